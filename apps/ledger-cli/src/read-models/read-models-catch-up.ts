import type { CommitProgress, LedgerReadSide } from '@ledger/projections';
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

export type CatchUpOutcome = 'up-to-date' | 'applied-by-another-process' | 'applied-here';

/**
 * Brings the read models up to the log's head as it is now. When a server is running on the same
 * data dir it is the one applying, and the CLI only waits for it; otherwise the CLI runs the
 * projection runner itself until the head, then stops it.
 */
export async function catchUpReadModels(
  models: CliReadModels,
  progress?: ProgressReporter,
): Promise<CatchUpOutcome> {
  const head = await models.store.headPosition();
  if (models.committedPosition() >= head) return 'up-to-date';
  if (await anotherProcessReaches(models, head)) return 'applied-by-another-process';
  await applyUpTo(models, head, progress);
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

/** Drops the named projections (all when none named) and replays the whole log into them. */
export async function rebuildReadModels(
  models: CliReadModels,
  names: readonly string[] | undefined,
  progress?: ProgressReporter,
): Promise<number> {
  const readSide = await models.reopen();
  await readSide.rebuild(names);
  return applyUpTo(models, await models.store.headPosition(), progress);
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

/** Runs the projection runner until `head`; answers the number of events applied. */
async function applyUpTo(models: CliReadModels, head: bigint, progress?: ProgressReporter): Promise<number> {
  const readSide = samePositions(models.readSide, models.committedPositions())
    ? models.readSide
    : await models.reopen();
  progress?.start(readSide.position(), head);
  let applied = 0;
  models.onCommit((commit: CommitProgress) => {
    applied += commit.events;
    progress?.advance(lowest(commit.positions), commit.events);
  });
  try {
    readSide.start();
    while (!(await readSide.waitForPosition(head, FAILURE_CHECK_MS))) {
      const { failure, running } = readSide.runner.status();
      if (failure !== undefined) throw failure;
      if (!running) throw new Error('the projection runner stopped before reaching the head of the log');
    }
    progress?.finish();
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
