import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { decodeLedgerEvent } from '../events/ledger-event';
import { CheckpointTable } from '../read-store/checkpoints';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { ProjectedEvent } from '../events/ledger-event';
import type { Projection, ProjectionWriter } from './projection';
import { isStorageError, messageOf, retryDelayMs, type ProjectionFailure } from './projection-failures';

interface ProjectionSlot {
  readonly projection: Projection;
  writer: ProjectionWriter;
  /** Last position applied, as committed. */
  position: bigint;
  /** Rebuilding from 0 without its secondary indexes: they are built when the catch-up ends. */
  indexesPending: boolean;
  /** Set while it cannot apply the event at `failure.position`: it stays before it until a retry passes it. */
  failure: ProjectionFailure | undefined;
}

/** An event decoded once per batch for every projection; a body that cannot be decoded fails each of them. */
type Decoded = { readonly event: ProjectedEvent | null } | { readonly error: unknown };

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
  private readonly slots: ProjectionSlot[];
  /** Projections rebuilt when opened because their stored version differed from the code's. */
  readonly rebuiltOnOpen: readonly string[];

  constructor(
    private readonly db: ReadModelDatabase,
    projections: readonly Projection[],
  ) {
    const names = new Set(projections.map((p) => p.name));
    if (names.size !== projections.length) throw new Error('projection names must be unique');
    this.checkpoints = new CheckpointTable(db);
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
        failure: undefined,
      };
    });
    this.rebuiltOnOpen = rebuilt;
  }

  /** The position every projection has reached (what `?minPosition=` waits for). */
  minPosition(): bigint {
    return lowest(this.slots, this.maxPosition());
  }

  /**
   * Where the next read of the log must start: the lowest projection that may move, so a projection
   * stopped before a poison event holds back neither the others nor the read (until its retry is due).
   */
  readFrom(now = Date.now()): bigint {
    const moving = this.slots.filter((slot) => mayApply(slot, now));
    return moving.length === 0 ? this.maxPosition() : lowest(moving, this.maxPosition());
  }

  /** Projections stopped before an event they cannot apply. */
  failures(): ProjectionFailure[] {
    return this.slots.flatMap((slot) => (slot.failure === undefined ? [] : [slot.failure]));
  }

  /** The earliest time a stopped projection is due to try its event again (undefined: none stopped). */
  nextRetryAt(): number | undefined {
    const times = this.failures().map((failure) => failure.retryAt);
    return times.length === 0 ? undefined : Math.min(...times);
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
    // A projection behind what was read (stopped before a poison event, retry not yet due) waits
    // for the runner to read the log again from its checkpoint.
    const eligible = this.slots.filter((slot) => mayApply(slot, now) && slot.position >= readFrom);
    const indexing = endOfCatchUp ? eligible.filter((slot) => slot.indexesPending) : [];
    if (indexing.length === 0 && eligible.every((slot) => slot.position >= target)) return;
    let applied: ProjectionSlot[] = [];
    const reached = new Map<ProjectionSlot, bigint>();
    const failed = new Map<ProjectionSlot, { position: bigint; error: unknown }>();
    try {
      this.db
        .transaction(() => {
          this.syncWithStoredCheckpoints();
          for (const slot of indexing) createIndexes(this.db, slot.projection);
          applied = eligible.filter((slot) => slot.position < target);
          if (applied.length === 0) return;
          const decoded = events.map(decodeOnce);
          for (const slot of applied) {
            const outcome = this.applyToSlot(slot, events, decoded, target);
            reached.set(slot, outcome.reached);
            if (outcome.failedAt !== undefined) failed.set(slot, outcome.failedAt);
          }
          this.writeAnchor(events, [...reached.values()]);
        })
        .immediate();
    } catch (error) {
      for (const slot of applied) slot.writer.discard();
      throw error;
    }
    for (const slot of applied) {
      slot.position = reached.get(slot) ?? slot.position;
      const failure = failed.get(slot);
      if (failure !== undefined) slot.failure = this.failureOf(slot, failure.position, failure.error, now);
      else if (slot.failure !== undefined && slot.position >= slot.failure.position) slot.failure = undefined;
    }
    for (const slot of indexing) slot.indexesPending = false;
  }

  /**
   * One projection's share of the batch, in a savepoint: all of it, or (when it throws on an
   * event) everything before that event, found again event by event. A storage error is the whole
   * batch's: it is thrown on, and the batch's transaction rolls back.
   */
  private applyToSlot(
    slot: ProjectionSlot,
    events: readonly RecordedEvent[],
    decoded: readonly Decoded[],
    target: bigint,
  ): { reached: bigint; failedAt?: { position: bigint; error: unknown } } {
    const checkpoint = (position: bigint) =>
      this.checkpoints.write({
        projection: slot.projection.name,
        version: slot.projection.version,
        position,
      });
    try {
      this.db.transaction(() => {
        events.forEach((recorded, i) => {
          if (slot.position < recorded.position) applyDecoded(slot.writer, decoded[i]);
        });
        slot.writer.flush();
        checkpoint(target);
      })();
      return { reached: target };
    } catch (error) {
      slot.writer.discard();
      if (isStorageError(error)) throw error;
    }
    let reached = slot.position;
    for (let i = 0; i < events.length; i++) {
      const recorded = events[i];
      if (recorded.position <= slot.position || recorded.position > target) continue;
      try {
        this.db.transaction(() => {
          applyDecoded(slot.writer, decoded[i]);
          slot.writer.flush();
        })();
      } catch (error) {
        slot.writer.discard();
        if (isStorageError(error)) throw error;
        checkpoint(reached);
        return { reached, failedAt: { position: recorded.position, error } };
      }
      reached = recorded.position;
    }
    // Each event applies alone (the batch failed only as a whole): keep them, one by one.
    checkpoint(target);
    return { reached: target };
  }

  /** The last event of the batch some projection applied: what `followsLog` checks at start. */
  private writeAnchor(events: readonly RecordedEvent[], reached: readonly bigint[]): void {
    const furthest = reached.reduce((max, p) => (p > max ? p : max), 0n);
    for (let i = events.length - 1; i >= 0; i--) {
      if (events[i].position > furthest) continue;
      this.checkpoints.writeAnchor(events[i].position, events[i].id);
      return;
    }
  }

  /**
   * Whether these read models were made from this log: no checkpoint past its head, and the last
   * event they applied is the log's event at that position. Not so (an older events file restored
   * under newer read models, another data dir's file): every projection must be rebuilt.
   */
  async followsLog(store: EventStore): Promise<{ ok: true } | { ok: false; reason: string }> {
    const head = await store.headPosition();
    const ahead = this.slots.find((slot) => slot.position > head);
    if (ahead !== undefined)
      return {
        ok: false,
        reason: `projection "${ahead.projection.name}" is at position ${ahead.position}, past the log's head ${head}`,
      };
    const anchor = this.checkpoints.readAnchor();
    if (anchor === undefined || anchor.position === 0n) return { ok: true };
    let event: RecordedEvent | undefined;
    try {
      [event] = await store.readAll({ fromPosition: anchor.position - 1n, maxCount: 1 });
    } catch {
      // An engine that cannot read from just before that position: the head check stands alone.
      return { ok: true };
    }
    if (event === undefined || event.position !== anchor.position || event.id !== anchor.eventId)
      return {
        ok: false,
        reason: `the read models' last event (position ${anchor.position}, id ${anchor.eventId}) is not the log's (${event === undefined ? 'none' : `position ${event.position}, id ${event.id}`})`,
      };
    return { ok: true };
  }

  private failureOf(slot: ProjectionSlot, position: bigint, error: unknown, now: number): ProjectionFailure {
    const previous = slot.failure?.position === position ? slot.failure : undefined;
    const attempts = (previous?.attempts ?? 0) + 1;
    return {
      projection: slot.projection.name,
      kind: 'event',
      position,
      reason: messageOf(error),
      since: previous?.since ?? now,
      attempts,
      retryAt: now + retryDelayMs('event', attempts, 0),
    };
  }

  /**
   * Inside the batch's transaction: a checkpoint that is not where this process left it was moved
   * by another process. Ahead: its events are skipped and the cached rows (now stale) forgotten.
   * Behind (a rebuild elsewhere): the batch in hand does not follow on; read the log again.
   */
  private syncWithStoredCheckpoints(): void {
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
  }

  /** Drops the projection's rows and checkpoint: it starts again from position 0. */
  rebuild(name: string): void {
    const slot = this.slots.find((s) => s.projection.name === name);
    if (slot === undefined) throw new Error(`unknown projection "${name}"`);
    slot.writer.discard();
    this.resetTables(slot.projection);
    slot.writer = slot.projection.openWriter(this.db);
    slot.position = 0n;
    slot.indexesPending = slot.projection.indexes !== undefined;
    slot.failure = undefined;
  }

  private resetTables(projection: Projection): void {
    this.db
      .transaction(() => {
        for (const table of projection.tables) this.db.exec(`DROP TABLE IF EXISTS "${table.name}"`);
        projection.createSchema(this.db);
        this.checkpoints.write({ projection: projection.name, version: projection.version, position: 0n });
      })
      .immediate();
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

function mayApply(slot: ProjectionSlot, now: number): boolean {
  return slot.failure === undefined || slot.failure.retryAt <= now;
}

function decodeOnce(recorded: RecordedEvent): Decoded {
  try {
    return { event: decodeLedgerEvent(recorded) };
  } catch (error) {
    return { error };
  }
}

function applyDecoded(writer: ProjectionWriter, decoded: Decoded): void {
  if ('error' in decoded) throw decoded.error;
  if (decoded.event !== null) writer.apply(decoded.event);
}

function createIndexes(db: ReadModelDatabase, projection: Projection): void {
  if (projection.indexes !== undefined) db.exec(projection.indexes);
}
