import { parseCreditsAmount, type Credits } from '../credits';
import type { FieldFault } from '../errors';
import { isValidId } from '../ids';
import { productChoices, productOf, type RateCard } from '../rate-card';
import { isLedgerTime, LEDGER_TIME_RANGE, readLedgerTime, type EpochMs } from '../time';
import type { MoneyPaid } from './commands';

/**
 * Field checks shared by the account commands. The HTTP layer validates the same rules with
 * class-validator; the domain checks again so a rule holds whoever calls it.
 */
export type Faults = FieldFault[];

export function checkId(faults: Faults, field: string, value: unknown): void {
  if (typeof value !== 'string' || !isValidId(value)) {
    faults.push({ field, message: 'must be 1–128 chars of [A-Za-z0-9._:-]' });
  }
}

export function checkText(faults: Faults, field: string, value: unknown, maxLength = 1000): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > maxLength) {
    faults.push({ field, message: `must be a non-empty string of at most ${maxLength} chars` });
  }
}

export function checkCreditsAmount(faults: Faults, field: string, value: unknown): Credits {
  const credits = typeof value === 'string' ? parseCreditsAmount(value) : null;
  if (credits === null) {
    faults.push({
      field,
      message: 'must be a positive decimal string ≤ 1000000000 with at most 6 fractional digits',
    });
  }
  return credits ?? 0n;
}

/**
 * A time the caller gives, read by the one rule every interface shares (readLedgerTime, SPEC §10).
 * Null, with a fault naming the field, for anything else.
 */
export function checkInstant(faults: Faults, field: string, value: unknown): EpochMs | null {
  const reading = typeof value === 'string' ? readLedgerTime(value) : undefined;
  if (reading?.ok) return reading.ms;
  faults.push({ field, message: reading?.problem ?? 'must be an ISO-8601 instant with a zone' });
  return null;
}

/** A time the ledger derives (an expiry, a window's end) must stay within range, or the command is refused. */
export function checkDerivedTime(faults: Faults, field: string, ms: EpochMs, what: string): void {
  if (!isLedgerTime(ms)) faults.push({ field, message: `${what} would fall outside ${LEDGER_TIME_RANGE}` });
}

/** An optional expiry must be an ISO instant strictly in the future: credits born expired are a mistake. */
export function checkExpiresAt(faults: Faults, value: unknown, now: EpochMs): EpochMs | null {
  if (value === undefined) return null;
  const ms = checkInstant(faults, 'expiresAt', value);
  if (ms !== null && ms <= now) faults.push({ field: 'expiresAt', message: 'must be after the ledger time' });
  return ms;
}

/** Scope of a grant: absent = all products; otherwise known, live, distinct products. */
export function checkProducts(faults: Faults, value: unknown, rateCard: RateCard): readonly string[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.length === 0) {
    faults.push({ field: 'products', message: 'must be a non-empty array of product names' });
    return null;
  }
  value.forEach((product: unknown, i) => {
    const known = typeof product === 'string' ? productOf(rateCard, product) : undefined;
    if (known === undefined) faults.push({ field: `products.${i}`, message: productChoices(rateCard) });
    else if (known.retired)
      faults.push({ field: `products.${i}`, message: `product "${String(product)}" is retired` });
  });
  if (new Set(value).size !== value.length)
    faults.push({ field: 'products', message: 'must not repeat a product' });
  return value as string[];
}

export function checkMoney(faults: Faults, value: MoneyPaid | undefined): void {
  if (value === undefined || typeof value !== 'object') {
    faults.push({ field: 'amountPaid', message: 'is required' });
    return;
  }
  if (!Number.isSafeInteger(value.amountMinor) || value.amountMinor < 0) {
    faults.push({ field: 'amountPaid.amountMinor', message: 'must be an integer ≥ 0 (minor units)' });
  }
  if (typeof value.currency !== 'string' || !/^[A-Z]{3}$/.test(value.currency)) {
    faults.push({ field: 'amountPaid.currency', message: 'must be an ISO 4217 code, e.g. "USD"' });
  }
}

export function checkIntegerRange(
  faults: Faults,
  field: string,
  value: unknown,
  min: number,
  max: number,
): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    faults.push({ field, message: `must be an integer from ${min} to ${max}` });
  }
}
