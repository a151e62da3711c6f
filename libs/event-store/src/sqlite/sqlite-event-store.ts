import type Database from 'better-sqlite3';
import {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  StreamName,
  Subscription,
} from '../event-store';
import { AppendOutcome, AppendRequest, SerializedEvent, SqliteAppendWriter } from './sqlite-append-writer';
import { createEventsSchema, openSqliteDatabase, SqliteConnectionOptions } from './sqlite-database';
import { SqliteEventReader } from './sqlite-event-reader';
import { SqliteSubscription } from './sqlite-subscription';
import { SqliteWriterThread } from './sqlite-writer-thread';

export interface SqliteEventStoreOptions extends SqliteConnectionOptions {
  /** Upper bound of events written in one group-commit transaction. Default 10 000. */
  readonly maxBatchEvents?: number;
  /** Idle subscriptions poll this often for appends made by other processes. Default 50 ms. */
  readonly pollIntervalMs?: number;
  /** Events per query while a subscription catches up. Default 500. */
  readonly subscriptionPageSize?: number;
  /**
   * Commit on a thread of its own (its own connection to the file): the fsync of each group commit
   * then waits there instead of blocking the caller's event loop. Same durability and the same
   * answers; not for ':memory:'. Default false (the server's LEDGER_SQLITE_WRITER=thread turns it on).
   */
  readonly writerThread?: boolean;
}

interface QueuedAppend extends AppendRequest {
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The embedded event store: one SQLite file (WAL, synchronous=FULL), shareable by several processes.
 *
 * Group commit: appends made during one tick of the event loop are queued and written together in
 * one transaction at setImmediate, so one fsync acknowledges all of them. Durability is per batch;
 * correctness is per append (each is checked and rolled back on its own). With `writerThread`, the
 * transaction runs on the writer thread, one batch at a time; appends made while it commits form the
 * next batch.
 */
export class SqliteEventStore implements EventStore {
  /** The append writer flags a replay (`AppendResult.replayed`): inline and on the writer thread. */
  readonly reportsReplays = true;
  private readonly db: Database.Database;
  /** The inline writer, or the thread that writes (writerThread). */
  private readonly writer: SqliteAppendWriter | SqliteWriterThread;
  /** The batch the writer thread is committing, if any. */
  private inFlight: Promise<void> | undefined;
  private readonly reader: SqliteEventReader;
  private readonly maxBatchEvents: number;
  private readonly subscriptionOptions: { readonly pageSize: number; readonly pollIntervalMs: number };
  private readonly subscriptions = new Set<SqliteSubscription>();
  /** Group-commit counters, for metrics: appends per transaction is what makes the store fast. */
  readonly stats = { transactions: 0, appends: 0 };
  private queue: QueuedAppend[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(options: SqliteEventStoreOptions) {
    this.maxBatchEvents = positiveInteger('maxBatchEvents', options.maxBatchEvents ?? 10_000);
    this.subscriptionOptions = {
      pageSize: positiveInteger('subscriptionPageSize', options.subscriptionPageSize ?? 500),
      pollIntervalMs: positiveInteger('pollIntervalMs', options.pollIntervalMs ?? 50),
    };
    this.db = openSqliteDatabase(options);
    try {
      createEventsSchema(this.db);
      if (options.writerThread && options.path === ':memory:')
        throw new RangeError('writerThread needs a file: another connection cannot share :memory:');
      this.writer = options.writerThread
        ? new SqliteWriterThread({ path: options.path, busyTimeoutMs: options.busyTimeoutMs })
        : new SqliteAppendWriter(this.db);
      this.reader = new SqliteEventReader(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  appendToStream(
    stream: StreamName,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('event store is closed'));
    let serialized: SerializedEvent[];
    try {
      if (stream.length === 0) throw new RangeError('stream name is empty');
      checkExpected(options.expectedRevision);
      serialized = serialize(events);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({
        stream,
        expectedRevision: options.expectedRevision,
        events: serialized,
        resolve,
        reject,
      });
      this.scheduleFlush();
    });
  }

  async readStream(stream: StreamName, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.reader.readStream(stream, options);
  }

  async readStreamIfExists(
    stream: StreamName,
    options?: ReadStreamOptions,
  ): Promise<RecordedEvent[] | undefined> {
    this.assertOpen();
    return this.reader.readStreamIfExists(stream, options);
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    return this.reader.readAll(options);
  }

  subscribeToAll(options: { readonly fromPosition?: bigint } = {}): Subscription {
    this.assertOpen();
    const subscription = new SqliteSubscription(
      (position, limit) => this.reader.readAfter(position, limit),
      options.fromPosition ?? START,
      this.subscriptionOptions,
      (closed) => this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    return this.reader.headPosition();
  }

  /** Writes every append already queued, ends the subscriptions, then closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const writer = this.writer;
    if (writer instanceof SqliteWriterThread) {
      while (this.inFlight !== undefined || this.queue.length > 0) {
        await (this.inFlight ?? this.sendToThread(writer));
      }
      await writer.close();
    } else {
      while (this.queue.length > 0) this.flushOneBatch(writer);
    }
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    this.db.close();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.inFlight !== undefined) return;
    this.flushScheduled = true;
    // setImmediate (not a microtask) so appends made by every I/O callback of this loop turn join.
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.queue.length === 0) return;
      const writer = this.writer;
      if (writer instanceof SqliteWriterThread) {
        void this.sendToThread(writer);
        return;
      }
      this.flushOneBatch(writer);
      // One bounded batch per turn: a large backlog does not starve the event loop.
      if (this.queue.length > 0) this.scheduleFlush();
    });
  }

  private flushOneBatch(writer: SqliteAppendWriter): void {
    const batch = this.takeBatch();
    let outcomes;
    try {
      outcomes = writer.write(batch);
    } catch (error) {
      for (const append of batch) append.reject(error as Error);
      return;
    }
    this.settle(batch, outcomes);
  }

  /** One batch to the writer thread; the next is sent when this one is on disk (or failed). */
  private sendToThread(writer: SqliteWriterThread): Promise<void> {
    const batch = this.takeBatch();
    // Only the data crosses threads (a queued append also holds its promise's callbacks).
    const requests = batch.map(({ stream, expectedRevision, events }) => ({
      stream,
      expectedRevision,
      events,
    }));
    const sent = writer.write(requests).then(
      (outcomes) => this.settle(batch, outcomes),
      (error: unknown) => {
        for (const append of batch) append.reject(error as Error);
      },
    );
    this.inFlight = sent.finally(() => {
      this.inFlight = undefined;
      if (this.queue.length > 0 && !this.closed) this.scheduleFlush();
    });
    return this.inFlight;
  }

  private settle(batch: readonly QueuedAppend[], outcomes: readonly AppendOutcome[]): void {
    this.stats.transactions += 1;
    this.stats.appends += batch.length;
    outcomes.forEach((outcome, i) =>
      outcome.ok ? batch[i].resolve(outcome.result) : batch[i].reject(outcome.error),
    );
    for (const subscription of this.subscriptions) subscription.notifyAppended();
  }

  /** The oldest appends up to maxBatchEvents (always at least one, however large). */
  private takeBatch(): QueuedAppend[] {
    let events = 0;
    let count = 0;
    while (count < this.queue.length) {
      events += this.queue[count].events.length;
      if (count > 0 && events > this.maxBatchEvents) break;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event store is closed');
  }
}

function serialize(events: readonly EventToAppend[]): SerializedEvent[] {
  if (events.length === 0) throw new RangeError('an append needs at least one event');
  return events.map((event) => ({
    id: event.id,
    type: event.type,
    // JSON.stringify throws on bigint and cycles: the caller learns now, not at read time.
    data: JSON.stringify(event.data),
    metadata: JSON.stringify(event.metadata ?? {}),
  }));
}

function checkExpected(expected: ExpectedRevision): void {
  if (typeof expected === 'bigint' && expected < 0n)
    throw new RangeError(`expected revision ${expected} < 0`);
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer`);
  return value;
}
