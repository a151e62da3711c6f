import { CliError, ExitCode } from './exit-codes';
import { parseCommandLine } from './cli-arguments';

/** SPEC §10 on the command line: times within 1970..9999 UTC after the offset, else a usage error (exit 2). */
describe('parseCommandLine: time bounds', () => {
  const usageError = (argv: string[]) => {
    try {
      parseCommandLine(argv);
    } catch (error) {
      return error instanceof CliError ? error.code : error;
    }
    return 'accepted';
  };

  it.each([
    ['export', '--from', '9999-12-31T23:59:59-01:00'],
    ['export', '--to', '+010000-01-01T00:00:00Z'],
    ['export', '--from', '1969-12-31T23:59:59Z'],
    ['timeline', 'acct-1', '--as-of', '1970-01-01T00:30:00+01:00'],
    ['trial-balance', '--as-of', '10000-01-01T00:00:00Z'],
  ])('refuses %s %s %s', (...argv) => {
    expect(usageError(argv)).toBe(ExitCode.usage);
  });

  it('accepts the edges of the range', () => {
    expect(usageError(['export', '--from', '1970-01-01T00:00:00Z', '--to', '9999-12-31T23:59:59.999Z'])).toBe(
      'accepted',
    );
  });

  // One rule everywhere (SPEC §10 "instants"): a bare date names no instant; HTTP refuses it too.
  it('refuses a date alone, saying what to write instead', () => {
    expect(() => parseCommandLine(['export', '--from', '2026-11-04'])).toThrow(
      '--from "2026-11-04" is not a time: it must be an ISO-8601 instant with a zone, e.g. 2026-11-04T00:00:00Z: a date alone is not an instant',
    );
    expect(usageError(['timeline', 'acct-1', '--as-of', '2026-11-04'])).toBe(ExitCode.usage);
  });
});
