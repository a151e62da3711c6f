import { once } from 'node:events';
import type { OutputStream } from '../cli-io';

/** Writes a chunk and, when the stream asks for it, waits for it to drain: constant memory for any export size. */
export async function writeWithBackpressure(stream: OutputStream, chunk: string): Promise<void> {
  const accepted = stream.write(chunk);
  if (accepted === false && isEventEmitter(stream)) await once(stream, 'drain');
}

function isEventEmitter(stream: OutputStream): stream is OutputStream & NodeJS.EventEmitter {
  return typeof (stream as Partial<NodeJS.EventEmitter>).once === 'function';
}
