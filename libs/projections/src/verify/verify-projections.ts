import type { EventStore } from '@ledger/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openReadModelDatabase, type ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection } from '../runner/projection';
import { ProjectionBatchApplier } from '../runner/projection-batch-applier';
import { diffTables, type VerifyMismatch } from './diff-tables';

/** The live side of a verification: the runner (or, offline, a stand-in that never moves). */
export interface LiveReadModels {
  readonly db: ReadModelDatabase;
  positions(): ReadonlyMap<string, bigint>;
  /** Holds commits so the live rows stay at one position while they are compared. */
  pause(): void;
  resume(): void;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly eventsReplayed: number;
  readonly mismatches: readonly VerifyMismatch[];
  /** Both sides were compared at this position. */
  readonly position: string;
  /** True when there were more mismatches than the report lists. */
  readonly truncated: boolean;
}

export interface VerifyOptions {
  readonly store: EventStore;
  readonly live: LiveReadModels;
  readonly projections: readonly Projection[];
  /** Mismatches listed at most (the rest are counted by `truncated`). Default 1000. */
  readonly maxMismatches?: number;
  readonly readPageSize?: number;
}

/** Rounds of chasing a moving live position before holding its commits. */
const CHASE_ROUNDS = 2;

/**
 * Finance's proof (SPEC §5): replays the whole log into fresh projections in a temporary SQLite
 * file and compares every row with the live read models, at the same position. The replay chases
 * the live checkpoint; if writes keep it moving, live commits are held (not the log, not the API)
 * for the last stretch. The comparison runs in one read transaction that first checks the live
 * checkpoints are at the replayed position, so a commit from another thread cannot slip in mid-way.
 */
export async function verifyProjections(options: VerifyOptions): Promise<VerifyReport> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-verify-'));
  const file = join(dir, 'replayed.sqlite');
  const freshDb = openReadModelDatabase(file);
  let paused = false;
  try {
    const fresh = new ProjectionBatchApplier(freshDb, options.projections);
    let eventsReplayed = 0;
    for (let round = 0; ; round++) {
      const target = commonPosition(options.live.positions());
      if (target !== null) {
        eventsReplayed += await replayUpTo(options.store, fresh, target, options.readPageSize ?? 5_000);
        if (commonPosition(options.live.positions()) === target) {
          const diff = diffTables(
            options.live.db,
            file,
            options.projections,
            options.maxMismatches ?? 1_000,
            target,
          );
          if (diff !== null) {
            return {
              ok: diff.mismatches.length === 0,
              eventsReplayed,
              mismatches: diff.mismatches,
              position: String(target),
              truncated: diff.truncated,
            };
          }
        }
      }
      if (round >= CHASE_ROUNDS && !paused) {
        options.live.pause();
        paused = true;
      }
      // A projection still rebuilding has no common position yet: let the runner advance. Otherwise
      // the live models moved on meanwhile: yield a whole turn of the event loop, so that a runner on
      // another thread can report its new positions (reading the log may resolve without one).
      if (target === null) await new Promise((resolve) => setTimeout(resolve, 50));
      else await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    if (paused) options.live.resume();
    if (freshDb.open) freshDb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The position all live projections share, or null while they differ (one is rebuilding). */
function commonPosition(positions: ReadonlyMap<string, bigint>): bigint | null {
  const values = [...positions.values()];
  if (values.length === 0) return 0n;
  return values.every((p) => p === values[0]) ? values[0] : null;
}

async function replayUpTo(
  store: EventStore,
  applier: ProjectionBatchApplier,
  target: bigint,
  pageSize: number,
): Promise<number> {
  let replayed = 0;
  while (applier.minPosition() < target) {
    const page = await store.readAll({ fromPosition: applier.minPosition(), maxCount: pageSize });
    const within = page.filter((event) => event.position <= target);
    const reachedTarget = page.length < pageSize || within.length < page.length;
    applier.apply(within, reachedTarget ? target : within[within.length - 1].position);
    replayed += within.length;
  }
  return replayed;
}
