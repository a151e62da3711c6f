import type { Credits } from '../credits';
import { utcMonthOf, type EpochMs } from '../time';
import type { LimitSource } from './events';
import type { OrganizationState } from './state';

/** A member's limit for the month of `now`, and the level it comes from; limit null = unlimited. */
export interface EffectiveLimit {
  readonly limit: Credits | null;
  readonly source: LimitSource | null;
}

const UNLIMITED: EffectiveLimit = { limit: null, source: null };

/**
 * The most specific level wins (SPEC §7): an approved request's override for this UTC month,
 * else the member's own limit, else its group's, else the organisation default, else unlimited.
 */
export function effectiveLimit(state: OrganizationState, accountId: string, now: EpochMs): EffectiveLimit {
  const override = state.monthOverrides.get(accountId);
  if (override !== undefined && override.month === utcMonthOf(now)) {
    return { limit: override.credits, source: 'member' };
  }
  const own = state.limits.members.get(accountId);
  if (own !== undefined) return { limit: own, source: 'member' };
  const group = state.members.get(accountId)?.group ?? null;
  const groupLimit = group === null ? undefined : state.limits.groups.get(group);
  if (groupLimit !== undefined) return { limit: groupLimit, source: 'group' };
  if (state.limits.default !== null) return { limit: state.limits.default, source: 'default' };
  return UNLIMITED;
}

/** Settled spend plus open reservations, both of the UTC month of `now` (the ledger clock). */
export function memberSpentThisMonth(state: OrganizationState, accountId: string, now: EpochMs): Credits {
  const month = utcMonthOf(now);
  const settled = state.memberSpend.get(accountId);
  let spent = settled !== undefined && settled.month === month ? settled.settled : 0n;
  for (const r of state.reservations.values()) {
    if (r.accountId === accountId && r.month === month) spent += r.credits;
  }
  return spent;
}

/** What is left of the member's limit this month; null = unlimited. Never negative. */
export function memberRemainingThisMonth(
  state: OrganizationState,
  accountId: string,
  now: EpochMs,
): Credits | null {
  const { limit } = effectiveLimit(state, accountId, now);
  if (limit === null) return null;
  const left = limit - memberSpentThisMonth(state, accountId, now);
  return left > 0n ? left : 0n;
}
