import type { GrantState } from './account/state';
import type { Credits } from './credits';
import type { EpochMs } from './time';
import { isExpired } from './expiry';

/**
 * Drawing credits from grants (SPEC §2 "Recording usage" 3). Usable grants apply to the product,
 * are effective, have not expired, were neither refunded nor written off, and have something left.
 */
export function grantAppliesTo(grant: GrantState, product: string): boolean {
  return grant.products === null || grant.products.includes(product);
}

export function isUsable(grant: GrantState, now: EpochMs): boolean {
  return grant.status === 'open' && grant.remaining > 0n && grant.grantedAt <= now && !isExpired(grant, now);
}

/**
 * The burn order, a total order: priority ascending, expiry ascending (never-expiring last),
 * promotional before purchased, grant time ascending, grant id ascending (code-unit order, not
 * locale order, so every node sorts the same).
 */
export function burnOrder(a: GrantState, b: GrantState): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.expiresAt !== b.expiresAt) {
    if (a.expiresAt === null) return 1;
    if (b.expiresAt === null) return -1;
    return a.expiresAt - b.expiresAt;
  }
  if (a.kind !== b.kind) return a.kind === 'promotional' ? -1 : 1;
  if (a.grantedAt !== b.grantedAt) return a.grantedAt - b.grantedAt;
  return a.grantId < b.grantId ? -1 : a.grantId > b.grantId ? 1 : 0;
}

export interface CreditAllocation {
  readonly grantId: string;
  readonly credits: Credits;
}

export type AllocationResult =
  | { readonly ok: true; readonly allocations: readonly CreditAllocation[] }
  | { readonly ok: false; readonly available: Credits };

/** All or nothing: either the whole amount is allocated in burn order, or nothing is. */
export function allocateCredits(
  grants: readonly GrantState[],
  product: string,
  now: EpochMs,
  amount: Credits,
): AllocationResult {
  const usable = grants.filter((g) => isUsable(g, now) && grantAppliesTo(g, product)).sort(burnOrder);
  const available = remainingOf(usable);
  if (available < amount) return { ok: false, available };
  const allocations: CreditAllocation[] = [];
  let left = amount;
  for (const grant of usable) {
    if (left === 0n) break;
    const take = grant.remaining < left ? grant.remaining : left;
    allocations.push({ grantId: grant.grantId, credits: take });
    left -= take;
  }
  return { ok: true, allocations };
}

/** The account's balance: remaining credits over every usable grant, whatever product it covers. */
export function balanceOf(grants: readonly GrantState[], now: EpochMs): Credits {
  let balance = 0n;
  for (const grant of grants) if (isUsable(grant, now)) balance += grant.remaining;
  return balance;
}

function remainingOf(grants: readonly GrantState[]): Credits {
  let remaining = 0n;
  for (const grant of grants) remaining += grant.remaining;
  return remaining;
}
