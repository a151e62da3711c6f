import { parseArgs, type ParseArgsConfig } from 'node:util';
import { checkProjectionNames } from './commands/rebuild.command';
import { CliError, ExitCode } from './exit-codes';
import { optionalTime } from './output/time-arguments';
import type { ExplainArguments } from './commands/explain.command';
import type { ExportArguments } from './commands/export.command';
import type { OrgArguments } from './commands/org.command';
import type { RebuildArguments } from './commands/rebuild.command';
import type { TimelineArguments } from './commands/timeline.command';
import type { TrialBalanceArguments } from './commands/trial-balance.command';
import type { VerifyArguments } from './commands/verify.command';

export const USAGE = `Usage: ledger <command> [options]

Support
  timeline <accountId> [--as-of <time>] [--json]   the account's billing timeline, event by event
  explain <accountId> <usageId> [--json]           why a usage was charged what it was, or refused
  org <organizationId> [--timeline] [--json]       an organisation: pool, limits, members' spend this month;
                                                   --timeline: its events, each with the pool after it

Finance
  verify [--json] [--max-mismatches <n>]           replay the whole log, compare with the live read models
  export [--from <time>] [--to <time>] [--format csv|jsonl] [--out <file>]
                                                   the journal, streamed (default jsonl to stdout)
  trial-balance [--as-of <time>] [--json]          every ledger account's balance; the total is 0

Operations
  rebuild [projection…]                            drop and rebuild read models (stop the server first)

Times are ISO-8601 instants with a zone (2026-11-03T14:00:00Z; a date alone is refused), 1970..9999 UTC.
The ledger is LEDGER_DATA_DIR (default ./data), or EVENTSTORE_CONNECTION_STRING for EventStoreDB.
Exit codes: 0 ok, 1 verify found mismatches, 2 bad usage or time, 3 unknown account or usage,
4 event store unreachable, 5 read models busy (a server is applying them), 70 internal error.
`;

export type ParsedCommand =
  | { readonly command: 'help' }
  | { readonly command: 'timeline'; readonly args: TimelineArguments }
  | { readonly command: 'explain'; readonly args: ExplainArguments }
  | { readonly command: 'org'; readonly args: OrgArguments }
  | { readonly command: 'verify'; readonly args: VerifyArguments }
  | { readonly command: 'export'; readonly args: ExportArguments }
  | { readonly command: 'rebuild'; readonly args: RebuildArguments }
  | { readonly command: 'trial-balance'; readonly args: TrialBalanceArguments };

type Options = NonNullable<ParseArgsConfig['options']>;
const JSON_FLAG: Options = { json: { type: 'boolean', default: false } };
const AS_OF: Options = { 'as-of': { type: 'string' } };

/** Parses `argv` (without node and the script): every mistake is a usage error naming what is wrong. */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help' };
    case 'timeline': {
      const { values, positionals } = parse(command, rest, { ...AS_OF, ...JSON_FLAG }, 1);
      const asOf = optionalTime('--as-of', values['as-of'] as string | undefined);
      return { command, args: { accountId: positionals[0], asOf, json: values.json === true } };
    }
    case 'explain': {
      const { values, positionals } = parse(command, rest, JSON_FLAG, 2);
      return {
        command,
        args: { accountId: positionals[0], usageId: positionals[1], json: values.json === true },
      };
    }
    case 'org': {
      const options: Options = { ...JSON_FLAG, timeline: { type: 'boolean', default: false } };
      const { values, positionals } = parse(command, rest, options, 1);
      return {
        command,
        args: {
          organizationId: positionals[0],
          json: values.json === true,
          timeline: values.timeline === true,
        },
      };
    }
    case 'verify': {
      const { values } = parse(command, rest, { ...JSON_FLAG, 'max-mismatches': { type: 'string' } }, 0);
      const max = values['max-mismatches'] as string | undefined;
      return {
        command,
        args: {
          json: values.json === true,
          maxMismatches: positiveInteger('--max-mismatches', max ?? '1000'),
        },
      };
    }
    case 'export': {
      const options: Options = {
        from: { type: 'string' },
        to: { type: 'string' },
        format: { type: 'string', default: 'jsonl' },
        out: { type: 'string' },
      };
      const { values } = parse(command, rest, options, 0);
      const format = values.format as string;
      if (format !== 'csv' && format !== 'jsonl')
        throw usage(`--format must be csv or jsonl, got "${format}"`);
      const from = optionalTime('--from', values.from as string | undefined);
      const to = optionalTime('--to', values.to as string | undefined);
      if (from !== undefined && to !== undefined && to <= from) throw usage('--to must be after --from');
      return { command, args: { from, to, format, out: values.out as string | undefined } };
    }
    case 'rebuild': {
      const { positionals } = parse(command, rest, {}, 0, Infinity);
      checkProjectionNames(positionals);
      return { command, args: { projections: positionals } };
    }
    case 'trial-balance': {
      const { values } = parse(command, rest, { ...AS_OF, ...JSON_FLAG }, 0);
      const asOf = optionalTime('--as-of', values['as-of'] as string | undefined);
      return { command, args: { asOf, json: values.json === true } };
    }
    default:
      throw usage(`unknown command "${command}"`);
  }
}

function parse(
  command: string,
  args: readonly string[],
  options: Options,
  positionals: number,
  most = positionals,
) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(`${command}: ${(error as Error).message.split('\n')[0]}`);
  }
  const count = parsed.positionals.length;
  if (count < positionals || count > most) {
    const expected = most === Infinity ? `at least ${positionals}` : String(positionals);
    throw usage(`${command} takes ${expected} argument${positionals === 1 ? '' : 's'}, got ${count}`);
  }
  return parsed;
}

function positiveInteger(option: string, value: string): number {
  if (!/^[1-9]\d{0,6}$/.test(value)) throw usage(`${option} must be a positive integer, got "${value}"`);
  return Number(value);
}

function usage(message: string): CliError {
  return new CliError(ExitCode.usage, `${message}\nRun "ledger help" for the commands.`);
}
