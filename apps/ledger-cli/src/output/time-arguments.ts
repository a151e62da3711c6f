import { readLedgerTime, type EpochMs } from '@ledger/domain';
import { CliError, ExitCode } from '../exit-codes';

/**
 * A time given on the command line, read by the same rule as every HTTP body and query string
 * (SPEC §10): an ISO-8601 instant with a zone within 1970..9999 UTC. A bare date is refused with the
 * instant to write instead, never guessed in a zone.
 */
export function parseTimeArgument(option: string, value: string): EpochMs {
  const reading = readLedgerTime(value);
  if (!reading.ok)
    throw new CliError(ExitCode.usage, `${option} "${value}" is not a time: it ${reading.problem}`);
  return reading.ms;
}

export function optionalTime(option: string, value: string | undefined): EpochMs | undefined {
  return value === undefined ? undefined : parseTimeArgument(option, value);
}
