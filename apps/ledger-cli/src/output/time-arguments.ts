import { parseIsoInstant, type EpochMs } from '@ledger/domain';
import { CliError, ExitCode } from '../exit-codes';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A time given on the command line: an ISO-8601 instant with a zone, or a bare date (midnight
 * UTC). Anything else is refused rather than guessed in the local zone.
 */
export function parseTimeArgument(option: string, value: string): EpochMs {
  const instant = DATE_ONLY.test(value) ? parseIsoInstant(`${value}T00:00:00Z`) : parseIsoInstant(value);
  if (instant === null) {
    throw new CliError(
      ExitCode.usage,
      `${option} "${value}" is not a time: give an ISO-8601 instant with a zone (2026-11-03T14:00:00Z) or a date (2026-11-03)`,
    );
  }
  return instant;
}

export function optionalTime(option: string, value: string | undefined): EpochMs | undefined {
  return value === undefined ? undefined : parseTimeArgument(option, value);
}
