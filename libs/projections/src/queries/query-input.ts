import { readLedgerTime, type EpochMs } from '@ledger/domain';

/** A query parameter the caller got wrong: the HTTP layer answers 400 naming `field`. */
export class InvalidQueryError extends Error {
  override readonly name = 'InvalidQueryError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1_000;

/**
 * Cursors are global log positions (as decimal strings): an entry's place never moves, so pages
 * stay stable while new events land, and a page costs one index seek whatever its depth.
 */
export function parseCursor(cursor: string | undefined): bigint {
  if (cursor === undefined || cursor === '') return 0n;
  if (!/^\d{1,19}$/.test(cursor))
    throw new InvalidQueryError('cursor', 'must be a cursor returned as nextCursor');
  return BigInt(cursor);
}

export function parseLimit(limit: number | string | undefined): number {
  if (limit === undefined || limit === '') return DEFAULT_PAGE_SIZE;
  const n = typeof limit === 'number' ? limit : /^\d+$/.test(limit) ? Number(limit) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_PAGE_SIZE) {
    throw new InvalidQueryError('limit', `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  return n;
}

export function parseInstant(field: string, value: string | undefined): EpochMs | undefined {
  if (value === undefined || value === '') return undefined;
  // The one rule every interface shares (SPEC §10), with its explanation of what was wrong.
  const reading = readLedgerTime(value);
  if (!reading.ok) throw new InvalidQueryError(field, reading.problem);
  return reading.ms;
}

/** `?minPosition=`: a position returned by a command. */
export function parseMinPosition(value: string | undefined): bigint | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,19}$/.test(value))
    throw new InvalidQueryError('minPosition', 'must be a position returned by a command');
  return BigInt(value);
}
