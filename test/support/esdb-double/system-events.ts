/**
 * The server's own events in $all, so the adapter's filtering of `$` events (readAll, headPosition,
 * subscriptions) and its paging past them meet the mix a real log holds. TEST CODE ONLY.
 *
 * A fresh EventStoreDB node writes, before any client does: the default users (`$User` in
 * `$user-admin` / `$user-ops`, linked from `$users` with `$>` link events), the default ACL in
 * `$settings`, and from then on a `$statsCollected` event in `$stats-<ip>:<port>` every
 * `--stats-period-sec` (30 s by default). Stream metadata lives in `$$<stream>` as `$metadata` events.
 */
import { randomUUID } from 'node:crypto';
import type { MemoryLog, ProposedEvent } from './memory-log';

const json = (type: string, data: unknown): ProposedEvent => ({
  id: randomUUID(),
  type,
  contentType: 'application/json',
  data: Uint8Array.from(Buffer.from(JSON.stringify(data))),
  customMetadata: new Uint8Array(),
});
/** Link events carry `revision@stream` as bytes, not JSON. */
const link = (target: string): ProposedEvent => ({
  id: randomUUID(),
  type: '$>',
  contentType: 'application/octet-stream',
  data: Uint8Array.from(Buffer.from(`0@${target}`)),
  customMetadata: new Uint8Array(),
});

export function seedSystemEvents(log: MemoryLog): void {
  for (const user of ['admin', 'ops']) {
    log.append(`$user-${user}`, { kind: 'any' }, [json('$User', { loginName: user, fullName: user })]);
    log.append('$users', { kind: 'any' }, [link(`$user-${user}`)]);
  }
  log.append('$settings', { kind: 'any' }, [
    json('$settings', { $userStreamAcl: { $r: '$all', $w: '$all' } }),
  ]);
}

/** A `$statsCollected` event after every `every` user events (stand-in for the server's timer). */
export function collectStats(log: MemoryLog, every: number, statsStream: string): () => void {
  let count = 0;
  return log.onAppended((events) => {
    count += events.filter((e) => !e.stream.startsWith('$')).length;
    if (count < every) return;
    count = 0;
    // After this append has reached every listener: a nested append would overtake it.
    queueMicrotask(() =>
      log.append(statsStream, { kind: 'any' }, [json('$statsCollected', { 'proc-cpu': 1.5 })]),
    );
  });
}
