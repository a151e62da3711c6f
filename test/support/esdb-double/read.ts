/**
 * Streams.Read (server-streaming) of the double: bounded reads of a stream or of $all, and (delegated
 * to ./subscriptions) subscriptions. Dispatch follows Streams.Read.cs CreateEnumerator
 * (EventStore/EventStore v24.10). TEST CODE ONLY.
 */
import * as grpc from '@grpc/grpc-js';
import { ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';
import { rpcError } from './faults';
import { clientFilter, defaultAllFilter, type EventPredicate } from './filters';
import type { MemoryLog, StoredEvent } from './memory-log';
import { subscribeToAll, subscribeToStream, type SubscriptionRegistry } from './subscriptions';
import { eventResponse, streamNameOf, streamNotFoundResponse } from './wire';

export type ReadCall = grpc.ServerWritableStream<ReadReq, ReadResp>;

/** A position on the wire, compared as the server's TFPos: commit first, then prepare. */
export interface TfPos {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export const posOf = (e: StoredEvent): TfPos => ({ commit: e.position, prepare: e.position });
export const compare = (a: TfPos, b: TfPos): number =>
  a.commit !== b.commit
    ? a.commit < b.commit
      ? -1
      : 1
    : a.prepare === b.prepare
      ? 0
      : a.prepare < b.prepare
        ? -1
        : 1;

export class InvalidPositionError extends Error {}

export function readHandler(log: MemoryLog, registry: SubscriptionRegistry) {
  return (call: ReadCall): void => {
    try {
      const options = call.request.getOptions();
      if (!options) throw new InvalidPositionError('missing options');
      if (!options.hasUuidOption()) {
        // Streams.Read: RpcExceptions.RequiredArgument(nameof(uuidOption)).
        return failCall(call, grpc.status.INVALID_ARGUMENT, 'uuidOption is required');
      }
      const filter = options.hasFilter()
        ? clientFilter(options.getFilter() as ReadReq.Options.FilterOptions)
        : null;
      if (options.hasSubscription()) {
        if (options.hasStream()) return subscribeToStream(log, registry, call, options);
        return subscribeToAll(log, registry, call, options, filter);
      }
      if (options.hasStream()) return readStream(log, call, options);
      return readAll(log, call, options, filter ?? defaultAllFilter);
    } catch (error) {
      if (error instanceof InvalidPositionError) {
        // RpcExceptions.InvalidPositionException: InvalidArgument.
        return failCall(call, grpc.status.INVALID_ARGUMENT, 'Trying to read from an invalid position.');
      }
      throw error;
    }
  };
}

function readStream(log: MemoryLog, call: ReadCall, options: ReadReq.Options): void {
  const streamOptions = options.getStream() as ReadReq.Options.StreamOptions;
  const name = streamNameOf(streamOptions.getStreamIdentifier());
  if (log.deletion(name) === 'tombstone') {
    // Enumerator.ReadStream*: ReadStreamResult.StreamDeleted → RpcExceptions.StreamDeleted.
    return failCall(call, grpc.status.FAILED_PRECONDITION, `Event stream '${name}' is deleted.`, {
      exception: 'stream-deleted',
      'stream-name': name,
    });
  }
  const events = log.visibleStream(name);
  if (!events || events.length === 0) {
    // Enumerator.ReadStreamForwards/Backwards: ReadStreamResult.NoStream → a StreamNotFound message.
    call.write(streamNotFoundResponse(name));
    call.end();
    return;
  }
  const count = countOf(options);
  const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
  // Revisions, not indexes: after a soft delete the visible stream starts at `$tb`.
  const last = events[events.length - 1].revision;
  let selected: StoredEvent[];
  if (backwards) {
    const from =
      streamOptions.hasRevision() && !streamOptions.hasEnd() ? BigInt(streamOptions.getRevision()) : last;
    selected = events.filter((e) => e.revision <= from).reverse();
  } else {
    const from = streamOptions.hasRevision() ? BigInt(streamOptions.getRevision()) : 0n;
    selected = events.filter((e) => e.revision >= from);
  }
  for (const event of selected.slice(0, count)) call.write(eventResponse(event));
  call.end();
}

function readAll(log: MemoryLog, call: ReadCall, options: ReadReq.Options, filter: EventPredicate): void {
  const allOptions = options.getAll() as ReadReq.Options.AllOptions;
  const count = countOf(options);
  const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;
  const events = log.events.filter(filter);
  let selected: readonly StoredEvent[];
  if (backwards) {
    // AllReader.ReadAllEventsBackward: the position is a post-position; records ending at or before it.
    const from = allOptions.hasPosition() ? wirePosition(log, allOptions.getPosition()) : undefined;
    selected = allOptions.hasStart()
      ? []
      : [...events].reverse().filter((e) => !from || e.position < from.commit);
  } else {
    // AllReader.ReadAllEventsForward: INCLUSIVE, `new TFPos(prepare.LogPosition, prepare.LogPosition) >= pos`.
    const from = allOptions.hasPosition() ? wirePosition(log, allOptions.getPosition()) : undefined;
    selected = allOptions.hasEnd() ? [] : events.filter((e) => !from || compare(posOf(e), from) >= 0);
  }
  for (const event of selected.slice(0, count)) call.write(eventResponse(event));
  call.end();
}

/** `count` is a uint64 on the wire; the client sends Number.MAX_SAFE_INTEGER for "all". */
function countOf(options: ReadReq.Options): number {
  const count = BigInt(options.getCount());
  return count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count);
}

/**
 * A position a client sends must point at a record (or the end of the log): the server reads the
 * transaction file from `commit`. Position's constructor also refuses commit < prepare.
 */
export function wirePosition(log: MemoryLog, position: ReadReq.Options.Position | undefined): TfPos {
  if (!position) throw new InvalidPositionError('missing position');
  const pos = {
    commit: BigInt(position.getCommitPosition()),
    prepare: BigInt(position.getPreparePosition()),
  };
  if (pos.commit < pos.prepare || !log.isRecordBoundary(pos.commit))
    throw new InvalidPositionError('invalid');
  return pos;
}

/** grpc-js turns an 'error' emitted on a server stream into the call's final status. */
export function failCall(
  call: ReadCall,
  code: grpc.status,
  details: string,
  trailers?: Record<string, string>,
): void {
  call.emit('error', rpcError(code, details, trailers));
}
