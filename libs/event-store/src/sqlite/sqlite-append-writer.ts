import type Database from 'better-sqlite3';
import { AppendResult, ExpectedRevision, StreamName, WrongExpectedVersionError } from '../event-store';
import { DuplicateEventIdError } from './duplicate-event-id-error';

/** An event already turned into the text stored in SQLite (serialized in the caller's tick, not in the batch). */
export interface SerializedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

export interface AppendRequest {
  readonly stream: StreamName;
  readonly expectedRevision: ExpectedRevision;
  readonly events: readonly SerializedEvent[];
}

export type AppendOutcome =
  { readonly ok: true; readonly result: AppendResult } | { readonly ok: false; readonly error: Error };

interface StoredEventPlace {
  readonly stream: string;
  readonly revision: bigint;
  readonly position: bigint;
  readonly type: string;
  readonly data: string;
}

/**
 * Writes a group of appends in ONE immediate transaction (one fsync for all of them). Each append
 * runs in its own savepoint, so one failing append is rolled back alone and the others commit.
 * Stream heads are read inside the transaction, so an append sees the appends earlier in its batch.
 */
export class SqliteAppendWriter {
  private readonly insertEvent: Database.Statement<[string, string, bigint, string, string, string, string]>;
  private readonly streamHead: Database.Statement<[string], bigint>;
  private readonly findEvent: Database.Statement<[string], StoredEventPlace>;
  private readonly appendInSavepoint: Database.Transaction<
    (request: AppendRequest, at: string) => AppendResult
  >;
  private readonly writeInTransaction: Database.Transaction<
    (batch: readonly AppendRequest[]) => AppendOutcome[]
  >;

  constructor(db: Database.Database) {
    this.insertEvent = db
      .prepare<[string, string, bigint, string, string, string, string]>(
        `INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .safeIntegers(true);
    this.streamHead = db
      .prepare<[string], bigint>(
        `SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1`,
      )
      .pluck()
      .safeIntegers(true);
    this.findEvent = db
      .prepare<[string], StoredEventPlace>(
        `SELECT stream, revision, position, type, data FROM events WHERE id = ?`,
      )
      .safeIntegers(true);
    // A transaction function called inside another transaction runs as a SAVEPOINT in better-sqlite3.
    this.appendInSavepoint = db.transaction((request: AppendRequest, at: string) => this.apply(request, at));
    this.writeInTransaction = db.transaction((batch: readonly AppendRequest[]) => {
      const recordedAt = new Date().toISOString();
      return batch.map((request) => this.applyIsolated(request, recordedAt));
    });
  }

  /**
   * Returns one outcome per request, in order, once the transaction has committed (and so is on
   * disk). Throws, committing nothing, when the transaction itself fails (I/O error, lock timeout).
   */
  write(batch: readonly AppendRequest[]): AppendOutcome[] {
    // IMMEDIATE takes the write lock up front: a deferred read-then-write transaction could fail
    // with SQLITE_BUSY on lock upgrade when another process writes, without honouring busy_timeout.
    return this.writeInTransaction.immediate(batch);
  }

  private applyIsolated(request: AppendRequest, recordedAt: string): AppendOutcome {
    try {
      // A failed statement undoes itself, so a one-event append needs no savepoint (~10% faster).
      const result =
        request.events.length === 1
          ? this.apply(request, recordedAt)
          : this.appendInSavepoint(request, recordedAt);
      return { ok: true, result };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError || error instanceof DuplicateEventIdError) {
        return { ok: false, error };
      }
      // Anything else (disk full, I/O) may have poisoned the whole transaction: fail the batch.
      throw error;
    }
  }

  private apply(request: AppendRequest, recordedAt: string): AppendResult {
    const { stream, expectedRevision, events } = request;
    const head = this.streamHead.get(stream);
    // A replay is only looked for where an append fails (wrong revision, or its first id stored):
    // a retried append always lands on one of the two, and the hot path saves an index lookup.
    if (!matchesExpectedRevision(expectedRevision, head)) {
      const replayed = this.replayedResult(request);
      if (replayed !== undefined) return replayed;
      throw new WrongExpectedVersionError(stream, expectedRevision, head ?? 'no_stream');
    }
    let revision = head === undefined ? 0n : head + 1n;
    let position = 0n;
    for (const [index, event] of events.entries()) {
      try {
        const info = this.insertEvent.run(
          event.id,
          stream,
          revision,
          event.type,
          event.data,
          event.metadata,
          recordedAt,
        );
        position = BigInt(info.lastInsertRowid);
      } catch (error) {
        if (!isDuplicateId(error)) throw error;
        const replayed = index === 0 ? this.replayedResult(request) : undefined;
        if (replayed !== undefined) return replayed;
        throw new DuplicateEventIdError(stream, event.id);
      }
      revision += 1n;
    }
    return { nextExpectedRevision: revision - 1n, position };
  }

  /**
   * An append is a replay when all its ids are stored, in order, in this stream, at the revisions
   * this expected revision would have given them, with the same type and data: the original result,
   * flagged `replayed` (this caller's events were written by someone else), nothing appended. Same ids with other content are not a replay but another decision under the
   * same idempotency key (a writer deciding on a stale state): a version conflict, so that writer
   * reads the stream again instead of believing its own events were stored.
   */
  private replayedResult(request: AppendRequest): AppendResult | undefined {
    const { stream, expectedRevision, events } = request;
    const first = this.findEvent.get(events[0].id);
    if (first === undefined || first.stream !== stream || !sameContent(first, events[0])) return undefined;
    if (typeof expectedRevision === 'bigint' && first.revision !== expectedRevision + 1n) return undefined;
    if (expectedRevision === 'no_stream' && first.revision !== 0n) return undefined;
    let last = first;
    for (let i = 1; i < events.length; i += 1) {
      const stored = this.findEvent.get(events[i].id);
      if (
        stored === undefined ||
        stored.stream !== stream ||
        stored.revision !== first.revision + BigInt(i) ||
        !sameContent(stored, events[i])
      ) {
        return undefined;
      }
      last = stored;
    }
    return { nextExpectedRevision: last.revision, position: last.position, replayed: true };
  }
}

function sameContent(stored: StoredEventPlace, event: SerializedEvent): boolean {
  return stored.type === event.type && stored.data === event.data;
}

function matchesExpectedRevision(expected: ExpectedRevision, head: bigint | undefined): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return head === undefined;
  if (expected === 'stream_exists') return head !== undefined;
  return head === expected;
}

function isDuplicateId(error: unknown): boolean {
  // Duck-typed, not `instanceof Error`: the native addon builds its errors in the realm that loaded
  // it first, which under jest (one VM context per test file) is not always this module's realm.
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('events.id');
}
