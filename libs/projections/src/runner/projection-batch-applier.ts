import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { CheckpointTable } from '../read-store/checkpoints';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import { transactionsOf, type Transactions } from '../read-store/transactions';
import type { StreamQuarantine } from '../read-store/quarantine-table';
import type { Projection } from './projection';
import { EVENT_RETRY_FIRST_MS, type ProjectionFailure } from './projection-failures';
import { readModelsFollowLog, type LogCheck } from './log-anchor-check';
import { applyShare, decodeOnce, replayHeldBack, type ProjectionSlot } from './projection-slot';
import { failureOfQuarantine, StreamQuarantines } from './stream-quarantines';

export interface ProjectionBatchApplierOptions {
  /** First wait before a quarantined stream is tried again (doubling up to 5 min). Default 1 s. */
  readonly eventRetryDelayMs?: number;
}

/** What a retry of a quarantined stream came to (see `retryQuarantine`). */
export type QuarantineRetryOutcome = 'released' | 'still' | 'stale' | 'gone';

/**
 * The read models went back behind the batch in hand (another process sharing the file rebuilt
 * them): the runner must read the log again from the stored checkpoint. Nothing was written.
 */
export class CheckpointMovedBackError extends Error {
  constructor(readonly projection: string) {
    super(`projection "${projection}" was reset by another process: reading again from its checkpoint`);
    this.name = 'CheckpointMovedBackError';
  }
}

/**
 * Applies batches of log events to a set of projections in ONE SQLite transaction per batch:
 * every projection's rows and its checkpoint commit together or not at all, so each event is
 * applied exactly once, in order, whatever crashes in between. Each projection keeps its own
 * checkpoint, so one being rebuilt from 0 catches up while the others skip what they already have.
 *
 * Several nodes on one data dir share the read-model file, so each batch starts by taking the
 * write lock (BEGIN IMMEDIATE) and re-reading the checkpoints: events another process already
 * applied are skipped, and a projection whose rows another process wrote forgets its cached rows.
 */
export class ProjectionBatchApplier {
  private readonly checkpoints: CheckpointTable;
  private readonly quarantines: StreamQuarantines;
  private readonly slots: ProjectionSlot[];
  private readonly transactions: Transactions;
  private readonly dataVersion: { get(): unknown };
  /**
   * `PRAGMA data_version` as read inside this connection's last write transaction: while it is the
   * same, no other connection (process, thread) committed to the file since, so the checkpoints
   * and quarantines in memory are the stored ones and the batch need not read them back.
   */
  private seenDataVersion: number | undefined;
  /** The stored anchor's position as this connection last read or wrote it (null: read it). */
  private anchorPosition: bigint | undefined | null = null;
  /** Projections rebuilt when opened because their stored version differed from the code's. */
  readonly rebuiltOnOpen: readonly string[];

  constructor(
    private readonly db: ReadModelDatabase,
    projections: readonly Projection[],
    options: ProjectionBatchApplierOptions = {},
  ) {
    const names = new Set(projections.map((p) => p.name));
    if (names.size !== projections.length) throw new Error('projection names must be unique');
    this.checkpoints = new CheckpointTable(db);
    this.transactions = transactionsOf(db);
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
    this.quarantines = new StreamQuarantines(db, options.eventRetryDelayMs ?? EVENT_RETRY_FIRST_MS);
    const rebuilt: string[] = [];
    this.slots = projections.map((projection) => {
      const stored = this.checkpoints.read(projection.name);
      const current = stored !== undefined && stored.version === projection.version;
      const position = current ? stored.position : 0n;
      // Past 0 the rows may be queried now: (re)build any index a crash mid-rebuild left missing.
      if (current)
        db.transaction(() => {
          projection.createSchema(db);
          if (position > 0n) createIndexes(db, projection);
        }).immediate();
      else this.resetTables(projection);
      if (stored !== undefined && !current) rebuilt.push(projection.name);
      return {
        projection,
        writer: projection.openWriter(db),
        position,
        indexesPending: position === 0n && projection.indexes !== undefined,
      };
    });
    this.rebuiltOnOpen = rebuilt;
  }

  /** The position every projection has reached (what `?minPosition=` waits for). */
  minPosition(): bigint {
    return lowest(this.slots, this.maxPosition());
  }

  /**
   * Where the next read of the log must start: the lowest projection. A poison event quarantines its
   * stream and the projection moves on, so nothing but storage or the log ever holds this back.
   */
  readFrom(): bigint {
    return this.minPosition();
  }

  /** Every stream quarantined in a projection, as a failure of kind `event` naming the stream. */
  failures(): ProjectionFailure[] {
    return this.quarantines.list().map(failureOfQuarantine);
  }

  quarantined(): StreamQuarantine[] {
    return this.quarantines.list();
  }

  /** Streams quarantined by the batches committed since the last call (one report each). */
  newQuarantines(): StreamQuarantine[] {
    return this.quarantines.takeNew();
  }

  /** The earliest time a quarantined stream is due to be tried again (undefined: none). */
  nextRetryAt(): number | undefined {
    return this.quarantines.nextRetryAt();
  }

  positions(): ReadonlyMap<string, bigint> {
    return new Map(this.slots.map((slot) => [slot.projection.name, slot.position]));
  }

  projectionNames(): string[] {
    return this.slots.map((slot) => slot.projection.name);
  }

  /**
   * Applies `events` (in log order, all after minPosition) and moves every checkpoint to `upTo`
   * (≥ the last event's position: subscriptions may report a checkpoint past filtered events).
   * `endOfCatchUp`: the last page of a catch-up (the log has nothing after it for now): projections
   * rebuilt from 0 get their secondary indexes in the same transaction, before the checkpoint moves,
   * so a reader waiting for this position finds them indexed.
   */
  apply(
    events: readonly RecordedEvent[],
    upTo: bigint,
    endOfCatchUp = false,
    readFrom = this.readFrom(),
  ): void {
    const target =
      events.length > 0 && events[events.length - 1].position > upTo
        ? events[events.length - 1].position
        : upTo;
    const now = Date.now();
    // A projection behind what was read (another process rebuilt it) waits for the runner to read
    // the log again from its checkpoint.
    const eligible = this.slots.filter((slot) => slot.position >= readFrom);
    const indexing = endOfCatchUp ? eligible.filter((slot) => slot.indexesPending) : [];
    if (indexing.length === 0 && eligible.every((slot) => slot.position >= target)) return;
    let applied: ProjectionSlot[] = [];
    try {
      this.transactions.immediate(() => {
        this.syncIfWrittenElsewhere();
        for (const slot of indexing) createIndexes(this.db, slot.projection);
        applied = eligible.filter((slot) => slot.position < target);
        if (applied.length === 0) return;
        const batch = { events, decoded: events.map(decodeOnce) };
        for (const slot of applied) {
          applyShare(this.db, slot, this.quarantines, batch, target, now);
          this.checkpoints.write({
            projection: slot.projection.name,
            version: slot.projection.version,
            position: target,
          });
        }
        this.writeAnchor(events, target);
      });
    } catch (error) {
      for (const slot of applied) slot.writer.discard();
      this.seenDataVersion = undefined;
      this.anchorPosition = null;
      this.reloadQuarantines();
      throw error;
    }
    this.quarantines.committed();
    for (const slot of applied) slot.position = target;
    for (const slot of indexing) slot.indexesPending = false;
  }

  /**
   * Tries a quarantined stream again: `streamEvents` (the stream as read from the log now) are
   * applied from the poison up to the projection's checkpoint, in order, in one transaction with
   * the quarantine's removal (`released`) or its new attempt (`still`). `stale`: the read does not
   * cover every held-back event (the stream grew since): read it again. `gone`: lifted meanwhile.
   */
  retryQuarantine(
    projection: string,
    stream: string,
    streamEvents: readonly RecordedEvent[],
    now = Date.now(),
  ): QuarantineRetryOutcome {
    const slot = this.slotOf(projection);
    let outcome: QuarantineRetryOutcome = 'gone';
    try {
      this.transactions.immediate(() => {
        this.syncIfWrittenElsewhere();
        const q = this.quarantines.get(projection, stream);
        if (q !== undefined) outcome = replayHeldBack(this.db, slot, this.quarantines, q, streamEvents, now);
      });
    } catch (error) {
      slot.writer.discard();
      this.seenDataVersion = undefined;
      this.reloadQuarantines();
      throw error;
    }
    return outcome;
  }

  /**
   * A retry of the quarantine could not read its stream from the log: counted as a failed attempt
   * (persisted, with the event backoff), so an unreadable stream is not read again in a loop.
   */
  retryUnreadable(projection: string, stream: string, error: unknown, now = Date.now()): void {
    try {
      this.transactions.immediate(() => {
        this.quarantines.reload();
        const q = this.quarantines.get(projection, stream);
        if (q !== undefined) this.quarantines.readFailed(q, error, now);
      });
    } catch (failure) {
      this.reloadQuarantines();
      throw failure;
    }
  }

  /**
   * The last event of the batch, unless one further on is already stored (a projection rebuilt
   * from 0 replays older events): the anchor is the LAST event any projection applied, what
   * `followsLog` checks at start (no event of the log may lie between it and the checkpoints).
   */
  private writeAnchor(events: readonly RecordedEvent[], target: bigint): void {
    for (let i = events.length - 1; i >= 0; i--) {
      if (events[i].position > target) continue;
      if (this.anchorPosition === null) this.anchorPosition = this.checkpoints.readAnchor()?.position;
      if (this.anchorPosition === undefined || this.anchorPosition < events[i].position) {
        this.checkpoints.writeAnchor(events[i].position, events[i].id);
        this.anchorPosition = events[i].position;
      }
      return;
    }
  }

  /** See `readModelsFollowLog`: whether these read models were made from this log. */
  followsLog(store: EventStore): Promise<LogCheck> {
    return readModelsFollowLog(store, this.positions(), this.checkpoints.readAnchor());
  }

  /**
   * Inside the batch's transaction (the write lock held, so nobody commits before it ends): reads
   * the stored checkpoints and quarantines back only when another connection committed since this
   * one's last batch. A live batch of a few events so skips five reads.
   */
  private syncIfWrittenElsewhere(): void {
    const version = Number(this.dataVersion.get());
    if (version !== this.seenDataVersion) {
      this.anchorPosition = null;
      this.syncWithStoredCheckpoints();
    }
    this.seenDataVersion = version;
  }

  /**
   * Inside the batch's transaction: a checkpoint that is not where this process left it was moved
   * by another process. Ahead: its events are skipped and the cached rows (now stale) forgotten.
   * Behind (a rebuild elsewhere): the batch in hand does not follow on; read the log again.
   */
  private syncWithStoredCheckpoints(): void {
    this.quarantines.reload();
    for (const slot of this.slots) {
      const stored = this.checkpoints.read(slot.projection.name);
      if (stored !== undefined && stored.version !== slot.projection.version)
        throw new Error(
          `projection "${slot.projection.name}": another process wrote version ${stored.version} of it into this file; this one is version ${slot.projection.version}`,
        );
      const position = stored?.position ?? 0n;
      if (position === slot.position) continue;
      slot.writer.discard();
      const before = slot.position;
      slot.position = position;
      if (position < before) throw new CheckpointMovedBackError(slot.projection.name);
    }
  }

  /** Every projection from position 0, and no memory of the last event applied (a log not theirs). */
  rebuildAll(): void {
    for (const slot of this.slots) this.rebuild(slot.projection.name);
    this.checkpoints.clearAnchor();
    this.anchorPosition = null;
  }

  /** Drops the projection's rows and checkpoint: it starts again from position 0. */
  rebuild(name: string): void {
    const slot = this.slotOf(name);
    slot.writer.discard();
    this.resetTables(slot.projection);
    slot.writer = slot.projection.openWriter(this.db);
    slot.position = 0n;
    slot.indexesPending = slot.projection.indexes !== undefined;
  }

  private slotOf(name: string): ProjectionSlot {
    const slot = this.slots.find((s) => s.projection.name === name);
    if (slot === undefined) throw new Error(`unknown projection "${name}"`);
    return slot;
  }

  private reloadQuarantines(): void {
    try {
      this.quarantines.reload();
    } catch {
      // The file cannot be read either: the next batch reloads them in its transaction.
    }
  }

  private resetTables(projection: Projection): void {
    this.transactions.immediate(() => {
      for (const table of projection.tables) this.db.exec(`DROP TABLE IF EXISTS "${table.name}"`);
      // A rebuild lifts the projection's quarantines: a stream still poison is quarantined again.
      this.quarantines.clear(projection.name);
      projection.createSchema(this.db);
      this.checkpoints.write({ projection: projection.name, version: projection.version, position: 0n });
    });
  }

  /** Whether any projection is being rebuilt without its secondary indexes (see `apply`). */
  indexesPending(): boolean {
    return this.slots.some((slot) => slot.indexesPending);
  }

  private maxPosition(): bigint {
    return this.slots.reduce((max, slot) => (slot.position > max ? slot.position : max), 0n);
  }
}

function lowest(slots: readonly ProjectionSlot[], start: bigint): bigint {
  return slots.reduce((min, slot) => (slot.position < min ? slot.position : min), start);
}

function createIndexes(db: ReadModelDatabase, projection: Projection): void {
  if (projection.indexes !== undefined) db.exec(projection.indexes);
}

/** The batch in hand cannot be written now but the log need only be read again from the checkpoints. */
export function mustReadAgain(error: unknown): boolean {
  if (error instanceof CheckpointMovedBackError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
