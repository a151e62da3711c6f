/**
 * The event store port. Every engine (SQLite, EventStoreDB) implements exactly this, and the
 * contract suite in test/contract checks each one against the same rules.
 *
 * Positions are global-log positions: strictly increasing along the log, compared as bigint.
 * A position handed to readAll/subscribeToAll is exclusive: reading "from p" yields events after p.
 * START (0n) means "from the beginning".
 */

export type StreamName = string;

/** The revision the caller believes the stream is at: an exact revision, or a state of the stream. */
export type ExpectedRevision = bigint | 'no_stream' | 'stream_exists' | 'any';

export const START: bigint = 0n;

export interface EventToAppend {
  /** A uuid. Deterministic (uuid v5 of the command's idempotency key and the event index) so retries dedupe. */
  readonly id: string;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface RecordedEvent {
  readonly id: string;
  readonly streamName: StreamName;
  /** 0-based revision of the event inside its stream. */
  readonly revision: bigint;
  /** Position in the global log. */
  readonly position: bigint;
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** When the store committed it (ISO-8601 UTC). The ledger's own time lives in the event data. */
  readonly recordedAt: string;
}

export interface AppendResult {
  /** Revision of the last event now in the stream: pass it as expectedRevision for the next append. */
  readonly nextExpectedRevision: bigint;
  /** Global position of the last event appended (or of the already-stored event when the append was a replay). */
  readonly position: bigint;
  /**
   * `true` when the append was an idempotent replay: every event was already stored (same ids, same
   * content, at the places this expected revision gives them) and nothing was appended. The caller's
   * events were NOT written by this call: someone (another node, or an earlier try of the same
   * command) wrote them. Absent on a fresh append, and always absent on engines that cannot tell
   * (see `reportsReplays`).
   */
  readonly replayed?: true;
}

export interface ReadStreamOptions {
  /** First revision to read (inclusive). Default: start for forwards, end for backwards. */
  readonly fromRevision?: bigint;
  readonly direction?: 'forwards' | 'backwards';
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Default START. */
  readonly fromPosition?: bigint;
  readonly maxCount?: number;
}

/** What a subscription yields: events in log order, and (on engines with server-side filtering) checkpoints. */
export type SubscriptionItem =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'checkpoint'; readonly position: bigint };

/** Iterated by one consumer; positions strictly increasing, none of the log skipped. */
export interface Subscription extends AsyncIterable<SubscriptionItem> {
  /** Ends the iteration; pending `for await` loops finish. */
  close(): Promise<void>;
}

export interface EventStore {
  /**
   * `true` when the engine tells a replayed append from a fresh one (`AppendResult.replayed`).
   * EventStoreDB does not: its answer to an idempotent append is the original one, nothing more (see
   * esdb/esdb-event-store.ts), so callers that must know who wrote their events keep their ids
   * apart from other writers' (StreamCommandHandler).
   */
  readonly reportsReplays?: boolean;

  /**
   * Appends atomically, or not at all. Resolves only when the events are durable.
   * An append whose event ids are all already stored at that place in the stream is an idempotent
   * replay: it appends nothing and resolves with the original result. Ids matching only part of an
   * earlier append are refused. `events` is non-empty.
   * @throws WrongExpectedVersionError when the stream is not at the expected revision.
   */
  appendToStream(
    stream: StreamName,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult>;

  /** @throws StreamNotFoundError when the stream has no events. */
  readStream(stream: StreamName, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /**
   * `readStream` for the hot path: a stream with no events reads as `undefined`, not as a thrown
   * StreamNotFoundError (building an exception costs more than the read itself on SQLite). Optional:
   * callers fall back to `readStream` (see `readStreamIfExists` below).
   */
  readStreamIfExists?(stream: StreamName, options?: ReadStreamOptions): Promise<RecordedEvent[] | undefined>;

  /** Events of the global log after `fromPosition`, in order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /** Catch up from `fromPosition` (exclusive), then stay live until closed. */
  subscribeToAll(options?: { readonly fromPosition?: bigint }): Subscription;

  /** Position of the last event in the global log (START when empty). */
  headPosition(): Promise<bigint>;

  /** Settles the appends already made, ends open subscriptions, then releases the engine. Idempotent. */
  close(): Promise<void>;
}

/** A stream's events, or `undefined` when it has none, through whichever read the store offers. */
export async function readStreamIfExists(
  store: EventStore,
  stream: StreamName,
  options?: ReadStreamOptions,
): Promise<RecordedEvent[] | undefined> {
  // Read the property once: behind a Proxy (metrics wrappers) each access binds a new function.
  const readIfExists = store.readStreamIfExists;
  if (readIfExists !== undefined) return readIfExists.call(store, stream, options);
  try {
    return await store.readStream(stream, options);
  } catch (error) {
    if (error instanceof StreamNotFoundError) return undefined;
    throw error;
  }
}

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly stream: StreamName,
    readonly expected: ExpectedRevision,
    /** The stream's current revision, or 'no_stream'. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

export class StreamNotFoundError extends Error {
  constructor(readonly stream: StreamName) {
    super(`stream ${stream} not found`);
    this.name = 'StreamNotFoundError';
  }
}

/**
 * The store cannot be reached or did not answer in time (node down, restarting, no leader, deadline
 * passed, disk full, server-side fault). Nothing can be assumed about an append that failed this way
 * except that it was not acknowledged: the caller retries later with the same idempotency key, and the
 * deterministic event ids make a retry of an append that did land a replay. HTTP answers 503 with
 * Retry-After.
 */
export class StoreUnavailableError extends Error {
  constructor(
    /** Short machine-readable cause: 'unavailable', 'deadline-exceeded', 'not-leader', 'storage-full', … */
    readonly reason: string,
    detail: string,
    /** Seconds a client should wait before retrying. */
    readonly retryAfterSeconds = 1,
    options?: { readonly cause?: unknown },
  ) {
    super(`event store unavailable (${reason}): ${detail}`, options);
    this.name = 'StoreUnavailableError';
  }
}

/** The stream was deleted or tombstoned in the store (an operator's action): nothing was appended. */
export class StreamDeletedError extends Error {
  constructor(readonly stream: StreamName) {
    super(`stream ${stream} was deleted in the event store`);
    this.name = 'StreamDeletedError';
  }
}

/**
 * One append is larger than the store accepts at once (EventStoreDB's MaxAppendSize, 1 MiB by
 * default). A decision is atomic, so it is refused whole, never split across appends.
 */
export class AppendTooLargeError extends Error {
  constructor(
    readonly stream: StreamName,
    /** The store's limit in bytes, when it says. */
    readonly maxAppendSize: number | undefined,
  ) {
    super(
      `append to ${stream} exceeds the event store's maximum append size` +
        (maxAppendSize === undefined ? '' : ` of ${maxAppendSize} bytes`),
    );
    this.name = 'AppendTooLargeError';
  }
}
