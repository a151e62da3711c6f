import type { RecordedEvent } from '@ledger/event-store';
import { decodeLedgerEvent } from '../events/ledger-event';
import { CheckpointTable } from '../read-store/checkpoints';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from './projection';

interface ProjectionSlot {
  readonly projection: Projection;
  writer: ProjectionWriter;
  /** Last position applied, as committed. */
  position: bigint;
}

/**
 * Applies batches of log events to a set of projections in ONE SQLite transaction per batch:
 * every projection's rows and its checkpoint commit together or not at all, so each event is
 * applied exactly once, in order, whatever crashes in between. Each projection keeps its own
 * checkpoint, so one being rebuilt from 0 catches up while the others skip what they already have.
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
      if (current) projection.createSchema(db);
      else this.resetTables(projection);
      if (stored !== undefined && !current) rebuilt.push(projection.name);
      return { projection, writer: projection.openWriter(db), position: current ? stored.position : 0n };
    });
    this.rebuiltOnOpen = rebuilt;
  }

  /** The position every projection has reached: where the next read of the log must start. */
  minPosition(): bigint {
    return this.slots.reduce((min, slot) => (slot.position < min ? slot.position : min), this.maxPosition());
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
   */
  apply(events: readonly RecordedEvent[], upTo: bigint): void {
    const target =
      events.length > 0 && events[events.length - 1].position > upTo
        ? events[events.length - 1].position
        : upTo;
    const behind = this.slots.filter((slot) => slot.position < target);
    if (behind.length === 0) return;
    try {
      this.db.transaction(() => {
        for (const recorded of events) {
          const decoded = decodeLedgerEvent(recorded);
          if (decoded === null) continue;
          for (const slot of behind) if (slot.position < recorded.position) slot.writer.apply(decoded);
        }
        for (const slot of behind) {
          slot.writer.flush();
          this.checkpoints.write({
            projection: slot.projection.name,
            version: slot.projection.version,
            position: target,
          });
        }
      })();
    } catch (error) {
      for (const slot of behind) slot.writer.discard();
      throw error;
    }
    for (const slot of behind) slot.position = target;
  }

  /** Drops the projection's rows and checkpoint: it starts again from position 0. */
  rebuild(name: string): void {
    const slot = this.slots.find((s) => s.projection.name === name);
    if (slot === undefined) throw new Error(`unknown projection "${name}"`);
    slot.writer.discard();
    this.resetTables(slot.projection);
    slot.writer = slot.projection.openWriter(this.db);
    slot.position = 0n;
  }

  private resetTables(projection: Projection): void {
    this.db.transaction(() => {
      for (const table of projection.tables) this.db.exec(`DROP TABLE IF EXISTS "${table.name}"`);
      projection.createSchema(this.db);
      this.checkpoints.write({ projection: projection.name, version: projection.version, position: 0n });
    })();
  }

  private maxPosition(): bigint {
    return this.slots.reduce((max, slot) => (slot.position > max ? slot.position : max), 0n);
  }
}
