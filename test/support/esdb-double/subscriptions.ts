/**
 * Catch-up subscriptions of the double (to a stream, and to $all with or without a server-side
 * filter), after src/EventStore.Core/Services/Transport/Enumerators/Enumerator.AllSubscriptionFiltered.cs,
 * Enumerator.AllSubscription.cs, Enumerator.StreamSubscription.cs and SubscriptionsService.cs
 * (EventStore/EventStore v24.10). TEST CODE ONLY.
 *
 * Catch-up and the switch to live happen in one synchronous step over the in-memory log, so no event
 * can fall between them; the real server gets the same guarantee from its live-event sequence numbers.
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ReadReq } from '@eventstore/db-client/generated/streams_pb';
import { defaultAllFilter, type EventPredicate } from './filters';
import type { MemoryLog, StoredEvent } from './memory-log';
import { compare, posOf, wirePosition, type ReadCall, type TfPos } from './read';
import {
  caughtUpResponse,
  checkpointResponse,
  confirmationResponse,
  eventResponse,
  streamNameOf,
} from './wire';

/** Enumerator.ReadBatchSize: the page size, and the default `maxSearchWindow` of a filter. */
const READ_BATCH_SIZE = 32;
/** TFPos(-1, -1): "nothing sent yet"; Position.FromInt64 turns -1 into ulong.MaxValue on the wire. */
const NOTHING: TfPos = { commit: -1n, prepare: -1n };
const U64_MAX = 2n ** 64n - 1n;

export class SubscriptionRegistry {
  private readonly calls = new Set<ReadCall>();
  /** Subscriptions ever opened: lets tests see that a client re-subscribed. */
  opened = 0;

  add(call: ReadCall, unsubscribe: () => void): void {
    this.opened++;
    this.calls.add(call);
    const remove = (): void => {
      unsubscribe();
      this.calls.delete(call);
    };
    call.on('cancelled', remove);
    call.on('close', remove);
    call.on('finish', remove);
  }

  get size(): number {
    return this.calls.size;
  }

  /** Ends every live subscription with UNAVAILABLE, as a server restart or leader change does. */
  dropAll(): void {
    for (const call of [...this.calls]) {
      call.emit(
        'error',
        Object.assign(new Error('dropped'), { code: grpc.status.UNAVAILABLE, details: 'dropped' }),
      );
    }
  }
}

export function subscribeToAll(
  log: MemoryLog,
  registry: SubscriptionRegistry,
  call: ReadCall,
  options: ReadReq.Options,
  filter: EventPredicate | null,
): void {
  const all = options.getAll() as ReadReq.Options.AllOptions;
  const start = all.hasPosition() ? wirePosition(log, all.getPosition()) : undefined;
  const predicate = filter ?? defaultAllFilter;
  const filterOptions = options.getFilter();
  const window = filterOptions?.hasMax() ? filterOptions.getMax() : READ_BATCH_SIZE;
  // Checkpoints only for filtered subscriptions: interval = multiplier × maxSearchWindow.
  const interval = filter && filterOptions ? filterOptions.getCheckpointintervalmultiplier() * window : 0;
  const send = (e: StoredEvent): void => void call.write(eventResponse(e));
  const sendCheckpoint = (p: TfPos): void =>
    void call.write(
      checkpointResponse(p.commit < 0n ? U64_MAX : p.commit, p.prepare < 0n ? U64_MAX : p.prepare),
    );

  call.write(confirmationResponse(randomUUID()));
  const lastIndexed = log.events.at(-1)?.position ?? 0n;
  // ConvertCheckpoint: Start → nothing sent yet; End → the position of the last indexed record.
  let checkpoint: TfPos = all.hasEnd() ? { commit: lastIndexed, prepare: lastIndexed } : (start ?? NOTHING);
  if (compare(checkpoint, { commit: lastIndexed, prepare: lastIndexed }) < 0) {
    checkpoint = catchUp(log, checkpoint, predicate, window, interval, send, sendCheckpoint);
  }
  call.write(caughtUpResponse());

  // Live (SubscriptionsService.ProcessEventCommited): every event counts toward the checkpoint
  // interval, allowed by the filter or not; the checkpoint is that event's own position.
  let counter = 0;
  const unsubscribe = log.onAppended((events) => {
    for (const e of events) {
      if (compare(posOf(e), checkpoint) <= 0) continue;
      if (predicate(e)) {
        send(e);
        checkpoint = posOf(e);
      }
      if (interval > 0 && ++counter >= interval) {
        counter = 0;
        checkpoint = posOf(e);
        sendCheckpoint(checkpoint);
      }
    }
  });
  registry.add(call, unsubscribe);
}

/**
 * AllSubscriptionFiltered.CatchUp: pages of `window` considered events. After each page the
 * considered count is added to the interval counter; when it reaches the interval a checkpoint is
 * sent at max(last event sent, the page's start position). The next page starts at
 * TFPos(post-position of the last record read, 0) (AllReader), so checkpoints carry prepare = 0.
 * At the end of the log a checkpoint at the last position sent goes out, then CaughtUp.
 */
function catchUp(
  log: MemoryLog,
  from: TfPos,
  predicate: EventPredicate,
  window: number,
  interval: number,
  send: (e: StoredEvent) => void,
  sendCheckpoint: (p: TfPos) => void,
): TfPos {
  const events = log.events;
  let checkpoint = from;
  let pageStart: TfPos = from.commit < 0n ? { commit: 0n, prepare: 0n } : from;
  let index = events.findIndex((e) => compare(posOf(e), pageStart) >= 0);
  if (index < 0) index = events.length;
  let counter = 0;
  for (;;) {
    let considered = 0;
    let endOfStream = false;
    while (considered < window) {
      const e = events[index];
      if (!e) {
        endOfStream = true;
        break;
      }
      considered++;
      index++;
      if (predicate(e) && compare(posOf(e), checkpoint) > 0) {
        send(e);
        checkpoint = posOf(e);
      }
    }
    counter += considered;
    if (endOfStream) {
      if (interval > 0) sendCheckpoint(checkpoint);
      return checkpoint;
    }
    if (interval > 0 && counter >= interval) {
      counter %= interval;
      if (compare(checkpoint, pageStart) < 0) checkpoint = pageStart;
      sendCheckpoint(checkpoint);
    }
    // The post-position of a record is where the next one starts; past the last one, the log's end.
    pageStart = { commit: events[index]?.position ?? log.endPosition, prepare: 0n };
  }
}

/** Enumerator.StreamSubscription: from a revision (exclusive), Start or End; catch-up then live. */
export function subscribeToStream(
  log: MemoryLog,
  registry: SubscriptionRegistry,
  call: ReadCall,
  options: ReadReq.Options,
): void {
  const streamOptions = options.getStream() as ReadReq.Options.StreamOptions;
  const name = streamNameOf(streamOptions.getStreamIdentifier());
  const existing = log.stream(name) ?? [];
  let last = streamOptions.hasRevision() ? BigInt(streamOptions.getRevision()) : -1n;
  if (streamOptions.hasEnd()) last = BigInt(existing.length) - 1n;
  call.write(confirmationResponse(randomUUID()));
  for (const e of existing) {
    if (e.revision > last) {
      call.write(eventResponse(e));
      last = e.revision;
    }
  }
  call.write(caughtUpResponse());
  const unsubscribe = log.onAppended((events) => {
    for (const e of events) {
      if (e.stream === name && e.revision > last) {
        call.write(eventResponse(e));
        last = e.revision;
      }
    }
  });
  registry.add(call, unsubscribe);
}
