/**
 * Credits are exact decimals with at most 6 fractional digits. Inside the domain they are
 * micro-credits in a bigint (1 credit = 1_000_000n), so sums and comparisons are exact; outside
 * (events, JSON, HTTP) they are normalised decimal strings.
 */
export type Credits = bigint;

export const MICRO_PER_CREDIT: Credits = 1_000_000n;
/** The largest amount a caller may send in one command (API.md): 1,000,000,000 credits. */
export const MAX_INPUT_CREDITS: Credits = 1_000_000_000n * MICRO_PER_CREDIT;

const DECIMAL = /^(\d+)(?:\.(\d{1,6}))?$/;

export interface ParseCreditsOptions {
  /** Inclusive upper bound; `null` for none (stored balances may exceed the per-command bound). */
  readonly max?: Credits | null;
  /** Whether "0" is accepted (prices and caps may be zero; purchases and grants may not). */
  readonly allowZero?: boolean;
}

/**
 * Strict: digits, optional dot and 1–6 fractional digits. No sign, no exponent, no spaces, so
 * every accepted string has exactly one meaning. Returns null rather than rounding anything.
 */
export function parseCredits(s: string, options: ParseCreditsOptions = {}): Credits | null {
  const match = DECIMAL.exec(s);
  if (match === null) return null;
  const [, whole, fraction = ''] = match;
  const value = BigInt(whole) * MICRO_PER_CREDIT + BigInt(fraction.padEnd(6, '0'));
  const max = options.max === undefined ? MAX_INPUT_CREDITS : options.max;
  if (max !== null && value > max) return null;
  if (value === 0n && options.allowZero === false) return null;
  return value;
}

/** A positive amount within the per-command bound: what purchases, grants and caps accept. */
export function parseCreditsAmount(s: string): Credits | null {
  return parseCredits(s, { allowZero: false });
}

/**
 * Reads an amount this domain wrote itself (events, snapshots). Unbounded, and a malformed value
 * is a corrupted log, not a user error, so it fails loudly.
 */
export function creditsFromStored(s: string): Credits {
  const value = parseCredits(s, { max: null });
  if (value === null) throw new RangeError(`corrupted credits amount in stored data: ${JSON.stringify(s)}`);
  return value;
}

/** Normalised: no trailing zeros, no trailing dot, "0" for zero. Negative amounts keep their sign. */
export function formatCredits(c: Credits): string {
  const sign = c < 0n ? '-' : '';
  const abs = c < 0n ? -c : c;
  const whole = abs / MICRO_PER_CREDIT;
  const micro = abs % MICRO_PER_CREDIT;
  // Whole amounts (most prices and charges) skip the fraction's string work.
  if (micro === 0n) return `${sign}${whole}`;
  const fraction = micro.toString().padStart(6, '0').replace(TRAILING_ZEROS, '');
  return `${sign}${whole}.${fraction}`;
}

const TRAILING_ZEROS = /0+$/;

/**
 * Price of the overage (SPEC §2 "Recording usage" 3): overage quantity × creditsPerQuantity,
 * where overage quantity = overageUnits / unitsPerQuantity, or the whole quantity for operations
 * that never draw on the allowance (unitsPerQuantity 0). Rounded up to the micro-credit: the
 * ledger never charges less than the rate card says, and the division is done last so nothing is
 * lost to intermediate rounding.
 */
export function overageCredits(
  overageUnits: number,
  unitsPerQuantity: number,
  creditsPerQuantity: Credits,
  quantity: number,
): Credits {
  if (unitsPerQuantity === 0) return BigInt(quantity) * creditsPerQuantity;
  if (overageUnits <= 0) return 0n;
  const numerator = BigInt(overageUnits) * creditsPerQuantity;
  const divisor = BigInt(unitsPerQuantity);
  return (numerator + divisor - 1n) / divisor;
}

export function sumCredits(values: readonly Credits[]): Credits {
  let total = 0n;
  for (const value of values) total += value;
  return total;
}

export function minCredits(a: Credits, b: Credits): Credits {
  return a < b ? a : b;
}
