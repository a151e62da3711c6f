import { LEDGER_PROJECTIONS } from '@ledger/projections';
import { runningServers } from '../../../ledger/src/presence/server-presence';
import type { CliContext } from '../cli-context';
import { CliError, ExitCode } from '../exit-codes';
import { ProgressReporter } from '../output/progress-reporter';
import { count } from '../output/text-format';
import { assertNoOtherApplier, rebuildReadModels } from '../read-models/read-models-catch-up';

export interface RebuildArguments {
  /** Projection names; empty = all. */
  readonly projections: readonly string[];
}

export const PROJECTION_NAMES: readonly string[] = LEDGER_PROJECTIONS.map((p) => p.name);

/** Checked before the ledger is opened: a typo must not cost a store connection. */
export function checkProjectionNames(names: readonly string[]): void {
  const unknown = names.filter((name) => !PROJECTION_NAMES.includes(name));
  if (unknown.length > 0) {
    throw new CliError(
      ExitCode.usage,
      `unknown projection ${unknown.map((n) => `"${n}"`).join(', ')}: choose from ${PROJECTION_NAMES.join(', ')}`,
    );
  }
}

/** `ledger rebuild [projection…]`: drops the read models (all, or those named) and replays the log into them. */
export async function rebuildCommand(context: CliContext, args: RebuildArguments): Promise<void> {
  assertNoServerRunning(context.config.dataDir);
  const names = args.projections.length === 0 ? PROJECTION_NAMES : args.projections;
  await assertNoOtherApplier(context.readModels);
  const started = performance.now();
  const events = await rebuildReadModels(
    context.readModels,
    names,
    new ProgressReporter(context.io.stderr, 'rebuild'),
  );
  const seconds = (performance.now() - started) / 1000;
  context.io.stdout.write(
    `Rebuilt ${names.join(', ')} from the log: ${count(events)} events in ${seconds.toFixed(1)} s; read models at position ${context.readModels.committedPosition()}.\n`,
  );
}

/** A server on the data dir keeps its read models open and moving: dropping them under it is refused. */
function assertNoServerRunning(dataDir: string): void {
  const pids = runningServers(dataDir);
  if (pids.length === 0) return;
  throw new CliError(
    ExitCode.busy,
    `a ledger server is running on ${dataDir} (pid ${pids.join(', ')}): stop it first`,
  );
}
