import type { Credits } from './credits';

/**
 * Money back for a refunded purchase (SPEC §2 "Credits"): the unused share of what was paid,
 * amountMinor × remaining / credits, rounded down to the minor unit. Rounding down means the
 * ledger never pays back more than the unused share is worth; an untouched purchase (remaining
 * = credits) still refunds the full amount exactly.
 */
export function refundAmountMinor(amountMinor: number, credits: Credits, remaining: Credits): number {
  if (credits <= 0n || remaining <= 0n) return 0;
  return Number((BigInt(amountMinor) * remaining) / credits);
}
