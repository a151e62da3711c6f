import type { Credits } from '@ledger/domain';

export type LimitSource = 'member' | 'group' | 'default';

/** The spend limits an organisation has set, as the read model keeps them. */
export interface SpendLimits {
  readonly default: Credits | null;
  readonly groups: ReadonlyMap<string, Credits>;
  readonly members: ReadonlyMap<string, Credits>;
}

export interface MemberLimit {
  /** Null: unlimited. */
  readonly limit: Credits | null;
  readonly limitSource: LimitSource | null;
}

/**
 * SPEC §7, the most specific wins: an approved request's override for this month, else the member
 * override, else the member's group limit, else the default, else unlimited. The override is the
 * member's own for that month, so its source is `member` (org-design.md "Effective limit").
 */
export function memberLimit(
  limits: SpendLimits,
  accountId: string,
  group: string | null,
  monthOverride: Credits | null,
): MemberLimit {
  if (monthOverride !== null) return { limit: monthOverride, limitSource: 'member' };
  const member = limits.members.get(accountId);
  if (member !== undefined) return { limit: member, limitSource: 'member' };
  const ofGroup = group === null ? undefined : limits.groups.get(group);
  if (ofGroup !== undefined) return { limit: ofGroup, limitSource: 'group' };
  if (limits.default !== null) return { limit: limits.default, limitSource: 'default' };
  return { limit: null, limitSource: null };
}

/** `YYYY-MM` of an instant, in UTC: the month spend limits count in. */
export function utcMonthKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}
