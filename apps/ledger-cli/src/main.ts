import 'reflect-metadata';
import { parseCommandLine, USAGE, type ParsedCommand } from './cli-arguments';
import { processIo, type CliIo } from './cli-io';
import { withLedger, type CliContext } from './cli-context';
import { CliError, ExitCode } from './exit-codes';
import { explainCommand } from './commands/explain.command';
import { exportCommand } from './commands/export.command';
import { orgCommand } from './commands/org.command';
import { rebuildCommand } from './commands/rebuild.command';
import { timelineCommand } from './commands/timeline.command';
import { trialBalanceCommand } from './commands/trial-balance.command';
import { verifyCommand } from './commands/verify.command';

/** Runs one `ledger` command line and answers its exit code; never throws, never exits the process. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.command === 'help') {
      io.stdout.write(USAGE);
      return ExitCode.ok;
    }
    return await withLedger(io, (context) => dispatch(context, parsed));
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`ledger: ${error.message}\n`);
      return error.code;
    }
    io.stderr.write(`ledger: internal error: ${(error as Error).stack ?? String(error)}\n`);
    return ExitCode.internal;
  }
}

async function dispatch(
  context: CliContext,
  parsed: Exclude<ParsedCommand, { command: 'help' }>,
): Promise<ExitCode> {
  switch (parsed.command) {
    case 'timeline':
      await timelineCommand(context, parsed.args);
      return ExitCode.ok;
    case 'explain':
      await explainCommand(context, parsed.args);
      return ExitCode.ok;
    case 'org':
      await orgCommand(context, parsed.args);
      return ExitCode.ok;
    case 'verify':
      return verifyCommand(context, parsed.args);
    case 'export':
      await exportCommand(context, parsed.args);
      return ExitCode.ok;
    case 'rebuild':
      await rebuildCommand(context, parsed.args);
      return ExitCode.ok;
    case 'trial-balance':
      await trialBalanceCommand(context, parsed.args);
      return ExitCode.ok;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
