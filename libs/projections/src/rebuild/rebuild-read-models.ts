import type { EventStore } from '@ledger/event-store';
import { existsSync } from 'node:fs';
import { LEDGER_PROJECTIONS } from '../ledger-projections';
import Database from 'better-sqlite3';
import { CheckpointTable } from '../read-store/checkpoints';
import { QuarantineTable, storedQuarantines, type StreamQuarantine } from '../read-store/quarantine-table';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection } from '../runner/projection';
import { replayIntoFile } from './replay-into-file';
import { replayInThreads, threadShares } from './rebuild-threads';
import {
  finishFreshFile,
  openFreshFile,
  rebuildFileOf,
  removeAbandonedRebuilds,
  swapIntoPlace,
} from './fresh-read-model-file';

export interface RebuildReadModelsOptions {
  readonly store: EventStore;
  /** The live read-model file; no connection to it may be open in this process. */
  readonly databasePath: string;
  /** Projections replayed from position 0 (default: all); the others are copied from the live file. */
  readonly names?: readonly string[];
  readonly projections?: readonly Projection[];
  /** The embedded log's file: the rebuild may then share the projections between threads. */
  readonly eventsPath?: string;
  /** Threads replaying the log with `eventsPath` (default 2; 1: this thread only). */
  readonly threads?: number;
  /** Events read and applied per transaction. */
  readonly pageSize?: number;
  /** After each committed page: the position reached and the events it held. */
  readonly onProgress?: (position: bigint, events: number) => void;
}

export interface RebuildOutcome {
  readonly events: number;
  /** The lowest checkpoint of the rebuilt file: the head of the log as the rebuild read it. */
  readonly position: bigint;
  /** Streams a projection could not apply an event of (the rebuild still reached the head). */
  readonly quarantined: readonly StreamQuarantine[];
  /** Threads that replayed the log. */
  readonly threads: number;
}

/**
 * Events per transaction. Rows of an account touched several times in one page are written once,
 * so larger pages write less; pages are held as RecordedEvents (~3 KB each) until they commit.
 */
const DEFAULT_PAGE_SIZE = 20_000;

/**
 * `ledger rebuild`: replays the log into a NEW file beside the live one and renames it into place
 * when it reaches the head. Until the rename the live file is untouched, so a rebuild killed
 * half-way leaves the old read models exactly as they were (its files are removed by the next one).
 * The new file is written without durability (see openFreshFile) and made durable once, at the
 * end, before the rename. Projections not named keep their rows: they are copied over, then
 * follow the log from their own checkpoints in the same batches.
 *
 * With the embedded log (`eventsPath`) and every projection rebuilt, the projections are shared
 * between two threads (see THREAD_SHARES), each reading the log and writing its own file; the
 * second file's tables are then copied into the first, which is swapped in.
 */
export async function rebuildReadModelFile(options: RebuildReadModelsOptions): Promise<RebuildOutcome> {
  const projections = options.projections ?? LEDGER_PROJECTIONS;
  const names = new Set(options.names ?? projections.map((p) => p.name));
  const target = options.databasePath;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  removeAbandonedRebuilds(target);
  const building = rebuildFileOf(target);
  const head = await options.store.headPosition();
  const shares = threadShares(options, projections, names);
  let swapped = false;
  try {
    let outcome: RebuildOutcome;
    if (shares === undefined) {
      const db = openFreshFile(building);
      try {
        const kept = projections.filter((p) => !names.has(p.name));
        if (kept.length > 0 && existsSync(target)) copyKept(db, target, kept);
        const replayed = await replayIntoFile(
          db,
          options.store,
          projections,
          head,
          pageSize,
          options.onProgress,
        );
        outcome = { ...replayed, threads: 1 };
      } catch (error) {
        db.close();
        throw error;
      }
      finishFreshFile(db, building);
    } else {
      const replayed = await replayInThreads(
        options.eventsPath ?? '',
        building,
        shares,
        head,
        pageSize,
        options.onProgress,
      );
      outcome = { ...replayed, threads: shares.length };
    }
    swapIntoPlace(building, target);
    swapped = true;
    return outcome;
  } finally {
    if (!swapped) removeAbandonedRebuilds(target);
  }
}

/**
 * The rows, checkpoint and quarantines of projections not rebuilt, copied from the live file (a
 * projection whose stored version is not the code's is rebuilt instead, as the runner would at
 * start). A live file that cannot be read leaves them to be rebuilt too.
 */
function copyKept(db: ReadModelDatabase, target: string, kept: readonly Projection[]): void {
  let live: ReadModelDatabase;
  try {
    live = new Database(target, { readonly: true, fileMustExist: true });
  } catch {
    return;
  }
  try {
    const stored = new Set(
      live.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(),
    );
    if (!stored.has('projection_checkpoints')) return;
    const positions = new Map(
      live
        .prepare<[], { projection: string; version: bigint; position: bigint }>(
          'SELECT projection, version, position FROM projection_checkpoints',
        )
        .safeIntegers(true)
        .all()
        .filter((row) => Number(row.version) === kept.find((p) => p.name === row.projection)?.version)
        .map((row) => [row.projection, row.position]),
    );
    const copied = kept.filter(
      (projection) => positions.has(projection.name) && projection.tables.every((t) => stored.has(t.name)),
    );
    if (copied.length === 0) return;
    const checkpoints = new CheckpointTable(db);
    const quarantines = new QuarantineTable(db);
    db.prepare('ATTACH DATABASE ? AS live').run(target);
    try {
      db.transaction(() => {
        for (const projection of copied) {
          projection.createSchema(db);
          for (const table of projection.tables)
            db.exec(`INSERT INTO main."${table.name}" SELECT * FROM live."${table.name}"`);
          if (projection.indexes !== undefined) db.exec(projection.indexes);
          checkpoints.write({
            projection: projection.name,
            version: projection.version,
            position: positions.get(projection.name) ?? 0n,
          });
          for (const q of storedQuarantines(live)) if (q.projection === projection.name) quarantines.write(q);
        }
      })();
    } finally {
      db.exec('DETACH DATABASE live');
    }
  } finally {
    live.close();
  }
}
