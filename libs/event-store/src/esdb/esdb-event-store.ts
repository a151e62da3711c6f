/**
 * EventStoreDB adapter of the EventStore port, on @eventstore/db-client 6.2.1.
 *
 * - Created from a connection string (single node `esdb://host:2113?tls=false`, cluster
 *   `esdb://a:2113,b:2113,c:2113?…`, discovery `esdb+discover://…`, TLS or not): the client parses it.
 * - Event ids come from the caller (EventToAppend.id, uuid v5 of the command's idempotency key), so a
 *   retried append is recognised by the server's idempotency check and writes nothing twice.
 * - Global positions: one bigint per {commit, prepare}, see ./positions.ts for the mapping and its limits.
 * - System events ($-prefixed types) never reach the ledger: subscriptions filter them on the server
 *   (`excludeSystemEvents()`); `readAll` has no filter option in client 6.2.1 (ReadAllOptions), so
 *   readAll/headPosition drop them on this side with the same rule (type not matching `^[^$]`).
 * - Every call goes to the leader (`requiresLeader`): a follower answers NotLeader instead of serving a
 *   stream it may not have replicated yet, which a decider would then decide on. See ./esdb-faults.ts
 *   for the retry after NotLeader and the mapping of transport failures to port errors.
 * - Appends use the unary Streams.Append, deliberately, not BatchAppend (why: `appendOnce`).
 * - Deadlines: appends carry the client's gRPC deadline; reads carry the adapter's own (6.2.1 ignores
 *   a read's deadline option), so no call waits forever on a node that stopped answering.
 */
import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  type JSONType,
  type Position,
  type ResolvedEvent,
  START as ESDB_START,
  StreamNotFoundError as EsdbStreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
} from '@eventstore/db-client';
import { append as unaryAppend } from '@eventstore/db-client/dist/streams/appendToStream/append';
import {
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  START,
  type StreamName,
  StreamNotFoundError,
  type Subscription,
  type SubscriptionItem,
  WrongExpectedVersionError,
} from '../event-store';
import { callLeader, collectWithDeadline, type LeaderRetryPolicy } from './esdb-faults';
import { EsdbSubscription, type ReconnectPolicy } from './esdb-subscription';
import { comparePositions, decodePosition, encodeEventPosition } from './positions';

export interface EsdbEventStoreOptions {
  /** Checkpoint every `multiplier × 32` events the server considers (client `checkpointInterval`). */
  readonly checkpointIntervalMultiplier?: number;
  readonly reconnect?: Partial<ReconnectPolicy>;
  /** Records per $all page in readAll/headPosition (system events included, dropped here). */
  readonly readPageSize?: number;
  /**
   * Deadline of one append, and of one read (one page of $all). Default: the connection string's
   * `defaultDeadline` (the client's own knob), else 10 s (the client's default).
   */
  readonly deadlineMs?: number;
  /** Retries after NotLeader (the client has switched to the leader it named). Default 2 × 100 ms. */
  readonly leaderRetry?: Partial<LeaderRetryPolicy>;
  /**
   * The caller promises that an event id is derived from the event's content (the ledger's ids are
   * uuid v5 of the stream, the command key and a hash of the decision's events: see
   * apps/ledger/src/core/command-identity.ts), so the same ids can never carry other content and the
   * read-back that enforces the port's "same ids, other content → conflict" rule is skipped: one
   * round trip to the leader less per append. Default false (the rule checked by reading back).
   */
  readonly contentAddressedIds?: boolean;
}

/** The same test as the client's excludeSystemEvents() regex `^[^$].*`, applied on this side. */
const isUserEvent = (type: string): boolean => /^[^$]/.test(type);

export class EsdbEventStore implements EventStore {
  /**
   * An idempotent append cannot be told from a fresh one here: the server answers it exactly like
   * the original write. Read in kurrent-io/KurrentDB (v24.10.0 and main, 44996ed):
   * src/{EventStore,KurrentDB}.Core/Services/Storage/ReaderIndex/IndexWriter.cs `CheckCommit` finds
   * every id at expected+1… and returns CommitDecision.Idempotent with the original range and the
   * log position of the original last event; Services/Storage/StorageWriterService.cs replies
   * StorageMessage.AlreadyCommitted; Services/RequestManager/Managers/RequestManagerBase.cs
   * `Handle(AlreadyCommitted)` → `ReturnCommitAt` completes the request as committed at that
   * position; Managers/WriteEvents.cs `ClientSuccessMsg` sends WriteEventsCompleted(Success, first,
   * last, CommitPosition, CommitPosition) — the same message a fresh write gets; and
   * Services/Transport/Grpc/Streams.Append.cs turns it into AppendResp.Success{current_revision,
   * position} (no_position only when the position is -1, which an idempotent write reports only if
   * reading its last event failed). No flag, no "already existed" marker, no stream head: client
   * 6.2.1's AppendResult ({ success, nextExpectedRevision, position }) is identical for both. So
   * `replayed` is never set by this adapter; StreamCommandHandler keeps each writer's event ids apart
   * instead (see its `writerIdNamespace`). The double (test/support/esdb-double) answers the same way.
   */
  readonly reportsReplays = false;
  private readonly client: EventStoreDBClient;
  private readonly checkpointInterval: number;
  private readonly reconnect: ReconnectPolicy;
  private readonly pageSize: number;
  private readonly deadlineMs: number;
  private readonly leaderRetry: LeaderRetryPolicy;
  private readonly contentAddressedIds: boolean;
  private readonly subscriptions = new Set<Subscription>();
  /** Operations started before close(): close waits for them, so an acknowledged append is settled. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(connectionString: string, options: EsdbEventStoreOptions = {}) {
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.checkpointInterval = options.checkpointIntervalMultiplier ?? 1;
    this.reconnect = { initialDelayMs: 100, maxDelayMs: 5_000, ...options.reconnect };
    this.pageSize = options.readPageSize ?? 256;
    const fromConnectionString = /[?&]defaultDeadline=(\d+)/i.exec(connectionString)?.[1];
    this.deadlineMs = options.deadlineMs ?? (fromConnectionString ? Number(fromConnectionString) : 10_000);
    this.leaderRetry = { attempts: 2, delayMs: 100, ...options.leaderRetry };
    this.contentAddressedIds = options.contentAddressedIds ?? false;
  }

  appendToStream(
    stream: StreamName,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    return this.track(() => this.append(stream, events, options.expectedRevision));
  }

  readStream(stream: StreamName, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.track(() => this.readOneStream(stream, options));
  }

  readStreamIfExists(
    stream: StreamName,
    options: ReadStreamOptions = {},
  ): Promise<RecordedEvent[] | undefined> {
    return this.track(async () => {
      try {
        return await this.readOneStream(stream, options);
      } catch (error) {
        if (error instanceof StreamNotFoundError) return undefined;
        throw error;
      }
    });
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.track(() => this.readAllEvents(options));
  }

  headPosition(): Promise<bigint> {
    return this.track(() => this.readHeadPosition());
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      await Promise.all([...this.subscriptions].map((s) => s.close()));
      await this.client.dispose();
    })();
    return this.closing;
  }

  private async append(
    stream: StreamName,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    try {
      const result = await callLeader(this.leaderRetry, stream, () =>
        this.appendOnce(stream, events, expected),
      );
      if (!result.position) return this.emptyAppendResult(stream, result.nextExpectedRevision);
      // For a replayed append the server answers with the ORIGINAL last event's revision and position.
      if (!this.contentAddressedIds)
        await this.refuseOtherContent(stream, events, expected, result.nextExpectedRevision);
      return {
        nextExpectedRevision: result.nextExpectedRevision,
        position: encodeEventPosition(result.position),
      };
    } catch (error) {
      if (error instanceof EsdbWrongExpectedVersionError) {
        const actual = error.actualVersion;
        throw new WrongExpectedVersionError(
          stream,
          expected,
          typeof actual === 'bigint' ? actual : 'no_stream',
        );
      }
      throw error;
    }
  }

  /**
   * The server takes an append whose ids are already stored there as a replay, comparing ids only.
   * The port promises more (as SQLite does): the same ids with other content are another decision,
   * not a replay, and fail with a version conflict. So the appended range is read back and compared
   * (type and data); one read per append. Ledger ids are content-addressed, so for the ledger this
   * never fires; it keeps the port's rule on every engine.
   */
  private async refuseOtherContent(
    stream: StreamName,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
    lastRevision: bigint,
  ): Promise<void> {
    const stored = await this.readOneStream(stream, {
      fromRevision: lastRevision - BigInt(events.length - 1),
      maxCount: events.length,
    });
    const same =
      stored.length === events.length &&
      stored.every(
        (e, i) =>
          e.id === events[i].id &&
          e.type === events[i].type &&
          JSON.stringify(e.data) === JSON.stringify(events[i].data),
      );
    if (same) return;
    const [head] = await this.readOneStream(stream, { direction: 'backwards', maxCount: 1 });
    throw new WrongExpectedVersionError(stream, expected, head?.revision ?? 'no_stream');
  }

  /**
   * One Streams.Append call, through the client's own implementation of it (its error conversion and
   * reconnect handling included). Not `client.appendToStream`: against a server that advertises
   * BatchAppend (every server since 21.10), 6.2.1 sends appends over one long-lived BatchAppend stream
   * per channel whose pending appends live in a process-global map; a transport error on any such
   * stream rejects and clears every pending append of the process, and a reply that arrives after
   * that (the old stream after a reconnect) throws `TypeError: undefined is not iterable` inside a
   * stream 'data' handler, which crashes the process (src/streams/appendToStream/batchAppend.ts in
   * v6.2.1: `promiseBank`; fixed upstream in KurrentDB-Client-NodeJS#523). BatchAppend also runs with
   * `deadline: Infinity` on the gRPC call. The unary call has none of that: one call per append, its
   * own gRPC deadline, its own failure. Throughput is not the limit here (one append per decision).
   * `appendToStream` picks the same unary path only when `credentials` are passed per call.
   */
  private appendOnce(stream: StreamName, events: readonly EventToAppend[], expected: ExpectedRevision) {
    const data = events.map((e) =>
      jsonEvent({
        id: e.id,
        type: e.type,
        data: e.data as JSONType,
        ...(e.metadata ? { metadata: e.metadata as JSONType } : {}),
      }),
    );
    // The port's expected revisions are the client's own vocabulary: bigint | 'no_stream' | 'stream_exists' | 'any'.
    return unaryAppend.call(this.client, stream, data, {
      expectedRevision: expected,
      batchAppendSize: Number.MAX_SAFE_INTEGER,
      requiresLeader: true,
      deadline: this.deadlineMs,
    });
  }

  private async readOneStream(stream: StreamName, options: ReadStreamOptions): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    try {
      const out = await callLeader(this.leaderRetry, stream, () =>
        collectWithDeadline(
          this.client.readStream(stream, {
            direction: backwards ? BACKWARDS : FORWARDS,
            fromRevision: options.fromRevision ?? (backwards ? END : ESDB_START),
            // A zero count still tells us whether the stream exists (StreamNotFound comes first).
            maxCount: Math.max(options.maxCount ?? Number.MAX_SAFE_INTEGER, 1),
            requiresLeader: true,
          }),
          this.deadlineMs,
          toRecordedEvent,
        ),
      );
      return options.maxCount === 0 ? [] : out;
    } catch (error) {
      if (error instanceof EsdbStreamNotFoundError) throw new StreamNotFoundError(stream);
      throw error;
    }
  }

  private async readAllEvents(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const after = options.fromPosition ?? START;
    const max = options.maxCount ?? Number.POSITIVE_INFINITY;
    const out: RecordedEvent[] = [];
    // $all reads include their start position and the port's exclude it; pages restart at the last
    // record read. So: keep only user events strictly after `after`, and records past the last one seen.
    let cursor = decodePosition(after);
    let lastSeen: Position | undefined;
    while (out.length < max) {
      const page = await this.readAllPage(FORWARDS, cursor);
      for (const resolved of page) {
        const record = resolved.event;
        if (!record?.position || (lastSeen && comparePositions(record.position, lastSeen) <= 0)) continue;
        lastSeen = record.position;
        if (!isUserEvent(record.type)) continue;
        const event = toRecordedEvent(resolved);
        if (event.position > after && out.length < max) out.push(event);
      }
      if (page.length < this.pageSize || !lastSeen) break;
      cursor = lastSeen;
    }
    return out;
  }

  subscribeToAll(options: { readonly fromPosition?: bigint } = {}): Subscription {
    if (this.closing) throw new Error('EsdbEventStore is closed');
    const subscription = new EsdbSubscription(
      {
        open: (from, onCheckpoint) => {
          const fromPosition = decodePosition(from);
          const filter = excludeSystemEvents({
            checkpointInterval: this.checkpointInterval,
            checkpointReached: (_subscription, position) => onCheckpoint(position),
          });
          // The leader: positions the read side waits for are the leader's acknowledgements.
          return this.client.subscribeToAll({ fromPosition, filter, requiresLeader: true });
        },
        toItem: (resolved): SubscriptionItem | undefined =>
          resolved.event && isUserEvent(resolved.event.type)
            ? { kind: 'event', event: toRecordedEvent(resolved) }
            : undefined,
      },
      options.fromPosition ?? START,
      this.reconnect,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  private async readHeadPosition(): Promise<bigint> {
    // Backwards from the end (a backwards position is exclusive), skipping trailing system events.
    let cursor: Position | 'end' = END;
    for (;;) {
      const page = await this.readAllPage(BACKWARDS, cursor);
      const last = page.find((r) => r.event && isUserEvent(r.event.type));
      if (last) return toRecordedEvent(last).position;
      const next = page.at(-1)?.event?.position;
      if (page.length < this.pageSize || !next) return START;
      cursor = next;
    }
  }

  private track<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error('EsdbEventStore is closed'));
    const promise = operation();
    this.inFlight.add(promise);
    const forget = (): void => void this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private readAllPage(
    direction: typeof FORWARDS | typeof BACKWARDS,
    from: Position | 'start' | 'end',
  ): Promise<AllStreamResolvedEvent[]> {
    return callLeader(this.leaderRetry, undefined, () =>
      collectWithDeadline(
        this.client.readAll({ direction, fromPosition: from, maxCount: this.pageSize, requiresLeader: true }),
        this.deadlineMs,
        (resolved) => resolved,
      ),
    );
  }

  /** An append of zero events has no position of its own: report where the stream stands. */
  private async emptyAppendResult(stream: StreamName, nextExpectedRevision: bigint): Promise<AppendResult> {
    if (nextExpectedRevision < 0n) return { nextExpectedRevision, position: await this.readHeadPosition() };
    const [last] = await this.readOneStream(stream, { direction: 'backwards', maxCount: 1 });
    return { nextExpectedRevision, position: last.position };
  }
}

function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent {
  const record = resolved.event;
  if (!record)
    throw new Error('EventStoreDB returned an unresolved link; the ledger reads with resolveLinkTos off');
  if (!record.isJson) throw new Error(`event ${record.id} in ${record.streamId} is not JSON`);
  return {
    id: record.id,
    streamName: record.streamId,
    revision: record.revision,
    position: encodeEventPosition(record.position),
    type: record.type,
    data: record.data as Record<string, unknown>,
    metadata: (record.metadata ?? {}) as Record<string, unknown>,
    // `created` is the server's commit timestamp (.NET ticks, truncated to ms by the client).
    recordedAt: record.created.toISOString(),
  };
}
