import type { AccountState } from './account/state';
import type { Credits } from './credits';
import { utcMonthOf, type EpochMs } from './time';

/**
 * Spending cap (SPEC §2 "Credits"): credits charged per UTC calendar month. Refunds and expiry
 * do not count as spending; only credits charged for usage do.
 */
export function spentThisMonth(state: AccountState, now: EpochMs): Credits {
  return state.monthSpend.month === utcMonthOf(now) ? state.monthSpend.credits : 0n;
}

/** A usage is refused when it would take the month's spending strictly past the cap. */
export function wouldPassCap(cap: Credits | null, spent: Credits, charge: Credits): boolean {
  return cap !== null && charge > 0n && spent + charge > cap;
}
