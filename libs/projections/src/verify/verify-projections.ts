import type { EventStore } from '@ledger/event-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storedQuarantines } from '../read-store/quarantine-table';
import { openReadModelDatabase, type ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection } from '../runner/projection';
import { ProjectionBatchApplier } from '../runner/projection-batch-applier';
import { diffTables, type VerifyMismatch } from './diff-tables';

/** The live side of a verification: the runner (or, offline, a stand-in that never moves). */
export interface LiveReadModels {
  readonly db: ReadModelDatabase;
  /** May be asked of another thread (the server's verify worker asks the request thread). */
  positions(): ReadonlyMap<string, bigint> | Promise<ReadonlyMap<string, bigint>>;
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
  /**
   * Set (and `ok` false) when the live read models did not reach the head the log had when the
   * verification began, within the bound: a stuck or lagging read side is never "verified".
   */
  readonly readSide?: LiveBehind;
  /**
   * Set (and `ok` false) when streams are quarantined in the live read models: their rows stop
   * before an event the projection cannot apply, so the read side is not what the log says.
   */
  readonly quarantined?: readonly QuarantinedStream[];
}

export interface QuarantinedStream {
  readonly projection: string;
  readonly stream: string;
  readonly position: string;
  readonly eventId: string;
  readonly reason: string;
  readonly since: string;
  readonly heldBack: number;
}

export interface LiveBehind {
  readonly status: 'behind';
  /** The log's head when the verification began: what the live read models had to reach. */
  readonly head: string;
  readonly positions: Readonly<Record<string, string>>;
  /** Filled by the caller that knows why (the runner's failures), when it does. */
  readonly failures?: readonly unknown[];
}

/** Where a verification stands: for the CLI's progress line and the server's progress endpoint. */
export interface VerifyProgress {
  readonly phase: 'waiting-for-live' | 'replaying' | 'comparing';
  readonly eventsReplayed: number;
  /** Replayed up to here… */
  readonly position: string;
  /** …of this: the position both sides are compared at. */
  readonly target: string;
}

export interface VerifyOptions {
  readonly store: EventStore;
  readonly live: LiveReadModels;
  readonly projections: readonly Projection[];
  /** Mismatches listed at most (the rest are counted by `truncated`). Default 1000. */
  readonly maxMismatches?: number;
  readonly readPageSize?: number;
  /**
   * How long the live read models may take to reach the log's head as it was when the verification
   * began (default 10 s): past it the report says they are behind, and `ok` is false.
   */
  readonly liveWaitMs?: number;
  readonly onProgress?: (progress: VerifyProgress) => void;
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
  const head = await options.store.headPosition();
  const liveDeadline = Date.now() + (options.liveWaitMs ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'ledger-verify-'));
  const file = join(dir, 'replayed.sqlite');
  const freshDb = openReadModelDatabase(file);
  const progress = (
    phase: VerifyProgress['phase'],
    eventsReplayed: number,
    position: bigint,
    target: bigint,
  ) => options.onProgress?.({ phase, eventsReplayed, position: String(position), target: String(target) });
  let paused = false;
  try {
    const fresh = new ProjectionBatchApplier(freshDb, options.projections);
    let eventsReplayed = 0;
    for (let round = 0; ; round++) {
      const positions = await options.live.positions();
      const target = commonPosition(positions);
      // A read side that does not reach the log's head (stuck, failing, far behind) is not verified.
      if (target === null || target < head) {
        if (Date.now() >= liveDeadline) return behind(head, positions, eventsReplayed);
        progress('waiting-for-live', eventsReplayed, fresh.minPosition(), head);
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      eventsReplayed += await replayUpTo(
        options.store,
        fresh,
        target,
        options.readPageSize ?? 5_000,
        (position, replayed) => progress('replaying', eventsReplayed + replayed, position, target),
      );
      if (commonPosition(await options.live.positions()) === target) {
        progress('comparing', eventsReplayed, target, target);
        const diff = diffTables(
          options.live.db,
          file,
          options.projections,
          options.maxMismatches ?? 1_000,
          target,
        );
        if (diff !== null) {
          const quarantined = quarantinedIn(options.live.db);
          return {
            ok: diff.mismatches.length === 0 && quarantined.length === 0,
            eventsReplayed,
            mismatches: diff.mismatches,
            position: String(target),
            truncated: diff.truncated,
            ...(quarantined.length === 0 ? {} : { quarantined }),
          };
        }
      }
      if (round >= CHASE_ROUNDS && !paused) {
        options.live.pause();
        paused = true;
      }
      // The live models moved on meanwhile: yield a whole turn of the event loop, so that a runner
      // on another thread can report its new positions (reading the log may resolve without one).
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    if (paused) options.live.resume();
    if (freshDb.open) freshDb.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The live read models' quarantined streams: a verification never passes while there is one. */
function quarantinedIn(db: ReadModelDatabase): QuarantinedStream[] {
  return storedQuarantines(db).map((q) => ({
    projection: q.projection,
    stream: q.stream,
    position: String(q.position),
    eventId: q.eventId,
    reason: q.reason,
    since: new Date(q.since).toISOString(),
    heldBack: q.heldBack,
  }));
}

function behind(head: bigint, positions: ReadonlyMap<string, bigint>, eventsReplayed: number): VerifyReport {
  const lowest = [...positions.values()].reduce((min, p) => (p < min ? p : min), head);
  return {
    ok: false,
    eventsReplayed,
    mismatches: [],
    position: String(lowest),
    truncated: false,
    readSide: {
      status: 'behind',
      head: String(head),
      positions: Object.fromEntries([...positions].map(([name, p]) => [name, String(p)])),
    },
  };
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
  onPage: (position: bigint, replayed: number) => void,
): Promise<number> {
  let replayed = 0;
  while (applier.minPosition() < target) {
    onPage(applier.minPosition(), replayed);
    const page = await store.readAll({ fromPosition: applier.minPosition(), maxCount: pageSize });
    const within = page.filter((event) => event.position <= target);
    const reachedTarget = page.length < pageSize || within.length < page.length;
    applier.apply(within, reachedTarget ? target : within[within.length - 1].position);
    replayed += within.length;
  }
  return replayed;
}
