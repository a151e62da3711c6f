import {
  describeFailure,
  rebuildReadModelFile,
  type CommitProgress,
  type LedgerReadSide,
  type ProjectionFailure,
} from '@ledger/projections';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, ExitCode } from '../exit-codes';
import type { ProgressReporter } from '../output/progress-reporter';
import type { CliReadModels } from './cli-read-models';

/**
 * A running server applies new events within a tick (its own appends) or one 50 ms poll (another
 * process's). If the read models stay behind the log and still for this long, nobody is applying.
 */
const QUIET_PERIOD_MS = 500;
const POLL_MS = 50;
/** How often a long catch-up checks that the runner has not stopped on a failure. */
const FAILURE_CHECK_MS = 250;
/**
 * How long a storage or log failure (disk full, I/O, the log unreachable) may last before the CLI
 * gives up: the runner retries it with backoff meanwhile, and it often heals by itself.
 */
export const STORAGE_FAILURE_WAIT_MS = 30_000;

export interface CatchUpOptions {
  /** Streams quarantined in a projection do not fail the catch-up (verify reports them itself). */
  readonly allowQuarantined?: boolean;
  readonly storageWaitMs?: number;
}

export type CatchUpOutcome = 'up-to-date' | 'applied-by-another-process' | 'applied-here';

/**
 * Brings the read models up to the log's head as it is now. When a server is running on the same
 * data dir it is the one applying, and the CLI only waits for it; otherwise the CLI runs the
 * projection runner itself until the head, then stops it.
 */
export async function catchUpReadModels(
  models: CliReadModels,
  progress?: ProgressReporter,
  options: CatchUpOptions = {},
): Promise<CatchUpOutcome> {
  const head = await models.store.headPosition();
  if (models.committedPosition() >= head) {
    if (!options.allowQuarantined) assertNoQuarantine(models.readSide.runner.status().failures);
    return 'up-to-date';
  }
  if (await anotherProcessReaches(models, head)) return 'applied-by-another-process';
  await applyUpTo(models, head, progress, options);
  return 'applied-here';
}

/** Refuses to go on while another process moves the read models (a rebuild would race it). */
export async function assertNoOtherApplier(models: CliReadModels): Promise<void> {
  const before = models.committedPosition();
  await sleep(QUIET_PERIOD_MS);
  if (models.committedPosition() !== before) {
    throw new CliError(
      ExitCode.busy,
      'another process (a running ledger server?) is applying events to these read models: stop it first',
    );
  }
}

/**
 * Replays the whole log into the named projections (all when none named) in a fresh file renamed
 * over the live one at the end (see rebuildReadModelFile: killed half-way, the old read models are
 * untouched); then anything appended meanwhile is applied and quarantines are reported (exit 1).
 */
export async function rebuildReadModels(
  models: CliReadModels,
  names: readonly string[] | undefined,
  progress?: ProgressReporter,
): Promise<number> {
  await models.close();
  progress?.start(0n, await models.store.headPosition());
  const outcome = await rebuildReadModelFile({
    store: models.store,
    databasePath: models.databasePath,
    ...(models.eventsPath === undefined ? {} : { eventsPath: models.eventsPath }),
    names,
    onProgress: (position, events) => progress?.advance(position, events),
  });
  progress?.finish();
  return outcome.events + (await applyUpTo(models, await models.store.headPosition()));
}

/**
 * Streams quarantined in a projection (an event it cannot apply): the read models reached the head,
 * but these accounts' rows stop before the poison. Exit 1, naming each (projection, stream,
 * position, reason): a fixed projection (a version bump) or `ledger rebuild` lifts them.
 */
export function assertNoQuarantine(failures: readonly ProjectionFailure[]): void {
  const quarantined = failures.filter((failure) => failure.stream !== undefined);
  if (quarantined.length === 0) return;
  throw new CliError(
    ExitCode.mismatch,
    `the read models cannot apply ${quarantined.length === 1 ? 'an event' : 'events'} of the log; quarantined: ${quarantined.map(describeFailure).join('; ')}. Fix the projection and run \`ledger rebuild\` (the other accounts are up to date)`,
  );
}

async function anotherProcessReaches(models: CliReadModels, head: bigint): Promise<boolean> {
  let seen = models.committedPosition();
  let quietSince = Date.now();
  while (Date.now() - quietSince < QUIET_PERIOD_MS) {
    await sleep(POLL_MS);
    const now = models.committedPosition();
    if (now >= head) return true;
    if (now !== seen) {
      seen = now;
      quietSince = Date.now();
    }
  }
  return false;
}

/**
 * Runs the projection runner until `head`; answers the number of events applied. A storage or log
 * failure is retried by the runner with backoff: the CLI waits for it to heal, up to a bound. A
 * quarantined stream does not hold the others back: the catch-up reaches the head, then says so.
 */
async function applyUpTo(
  models: CliReadModels,
  head: bigint,
  progress?: ProgressReporter,
  options: CatchUpOptions = {},
): Promise<number> {
  const readSide = samePositions(models.readSide, models.committedPositions())
    ? models.readSide
    : await models.reopen();
  progress?.start(readSide.position(), head);
  let applied = 0;
  models.onCommit((commit: CommitProgress) => {
    applied += commit.events;
    progress?.advance(lowest(commit.positions), commit.events);
  });
  const storageWaitMs = options.storageWaitMs ?? STORAGE_FAILURE_WAIT_MS;
  try {
    readSide.start();
    let failingSince: number | undefined;
    while (!(await readSide.waitForPosition(head, FAILURE_CHECK_MS))) {
      const { failures, failure, running } = readSide.runner.status();
      if (!running)
        throw failure ?? new Error('the projection runner stopped before reaching the head of the log');
      const stopped = failures.filter((f) => f.stream === undefined);
      if (stopped.length === 0) {
        failingSince = undefined;
        continue;
      }
      failingSince ??= Date.now();
      if (Date.now() - failingSince >= storageWaitMs)
        throw new CliError(
          ExitCode.storeUnreachable,
          `the read models cannot be brought up to the log (retried for ${Math.round(storageWaitMs / 1000)} s): ${describeFailure(stopped[0])}`,
        );
    }
    progress?.finish();
    if (!options.allowQuarantined) assertNoQuarantine(readSide.runner.status().failures);
    return applied;
  } finally {
    models.onCommit(undefined);
    await readSide.runner.stop();
  }
}

function samePositions(readSide: LedgerReadSide, committed: ReadonlyMap<string, bigint>): boolean {
  const running = readSide.runner.positions();
  return [...committed].every(([name, position]) => running.get(name) === position);
}

function lowest(positions: ReadonlyMap<string, bigint>): bigint {
  let min: bigint | undefined;
  for (const position of positions.values()) if (min === undefined || position < min) min = position;
  return min ?? 0n;
}
