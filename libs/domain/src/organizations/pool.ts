import { allocateCredits, balanceOf } from '../allocate-credits';
import { formatCredits, type Credits } from '../credits';
import { isExpired } from '../expiry';
import type { Allocation } from '../account/events';
import type { GrantState } from '../account/state';
import { isoOf, type EpochMs } from '../time';
import type { OrgCreditsExpired, OrganizationStamp, PoolReturn } from './events';
import type { HeldPoolCredits } from './state';

/**
 * The pool is grants like an account's: the same burn order (`allocateCredits`) and expiry rule.
 * One difference: a reservation keeps its share past its grant's expiry, and what a release
 * returns to a grant written off meanwhile is written off again (`poolWriteOffs`), never kept.
 */
export function poolBalance(grants: readonly GrantState[], now: EpochMs): Credits {
  return balanceOf(grants, now);
}

export function allocatePool(
  grants: readonly GrantState[],
  product: string,
  now: EpochMs,
  credits: Credits,
): readonly HeldPoolCredits[] | null {
  const result = allocateCredits(grants, product, now, credits);
  return result.ok ? result.allocations : null;
}

/** Grants past expiry that still hold unreserved credits, oldest expiry first. */
export function poolWriteOffs(grants: readonly GrantState[], now: EpochMs): GrantState[] {
  return grants
    .filter((g) => g.status !== 'refunded' && g.remaining > 0n && isExpired(g, now))
    .sort((a, b) => (a.expiresAt as number) - (b.expiresAt as number) || (a.grantId < b.grantId ? -1 : 1));
}

export function poolExpiryEvents(
  grants: readonly GrantState[],
  stamp: OrganizationStamp,
  now: EpochMs,
): OrgCreditsExpired[] {
  return poolWriteOffs(grants, now).map((g) => ({
    type: 'OrgCreditsExpired',
    data: {
      ...stamp,
      grantId: g.grantId,
      credits: formatCredits(g.remaining),
      expiresAt: isoOf(g.expiresAt as number),
    },
  }));
}

/**
 * A settlement consumes the reservation's allocations in their (burn) order up to `credits` and
 * returns the rest. The member's UsageRecorded names the same prefix, so both streams agree.
 */
export function splitReserved(
  allocations: readonly HeldPoolCredits[],
  credits: Credits,
): { readonly consumed: HeldPoolCredits[]; readonly returned: HeldPoolCredits[] } {
  const consumed: HeldPoolCredits[] = [];
  const returned: HeldPoolCredits[] = [];
  let left = credits;
  for (const a of allocations) {
    const take = a.credits < left ? a.credits : left;
    if (take > 0n) consumed.push({ grantId: a.grantId, credits: take });
    if (a.credits > take) returned.push({ grantId: a.grantId, credits: a.credits - take });
    left -= take;
  }
  return { consumed, returned };
}

export const allocationsJson = (list: readonly HeldPoolCredits[]): Allocation[] =>
  list.map((a) => ({ grantId: a.grantId, credits: formatCredits(a.credits) }));

export function poolReturnOf(list: readonly HeldPoolCredits[]): PoolReturn {
  let credits = 0n;
  for (const a of list) credits += a.credits;
  return { credits: formatCredits(credits), allocations: allocationsJson(list) };
}
