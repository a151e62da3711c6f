import type { CreditRequest, LimitSource, OrganizationMember, OrganizationView } from '../ledger-types';

/** The three levels of a spend limit (SPEC §7): the most specific set one wins. */
export type LimitLevel = 'default' | 'group' | 'member';

export interface LimitChange {
  readonly organizationId: string;
  readonly level: LimitLevel;
  /** The group name or the member's account id; none for the default. */
  readonly key?: string;
  /** Credits per UTC month as a decimal string, or null to clear the level. */
  readonly creditsPerMonth: string | null;
}

/** API.md's limit amounts: a decimal ≥ 0, at most 1,000,000,000, at most 6 fractional digits. */
const LIMIT_PATTERN = /^(?:1000000000(?:\.0{1,6})?|\d{1,9}(?:\.\d{1,6})?)$/;

/** The form's amount: empty clears the level; anything else must be a limit the API accepts. */
export function limitOfInput(
  text: string,
): { readonly ok: true; readonly value: string | null } | { readonly ok: false } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: null };
  return LIMIT_PATTERN.test(trimmed) ? { ok: true, value: trimmed } : { ok: false };
}

/** A path segment the server routes as one id (as api.ts's segment; this file stays free of fetch for its tests). */
const segment = (id: string): string => encodeURIComponent(id);

/** The PUT that sets or clears one level (API.md "Organisations"). */
export function limitPath(change: LimitChange): string {
  const org = `/v1/organizations/${segment(change.organizationId)}/spend-limits`;
  if (change.level === 'default') return `${org}/default`;
  const key = segment(change.key ?? '');
  return change.level === 'group' ? `${org}/groups/${key}` : `${org}/members/${key}`;
}

function levelName(change: LimitChange): string {
  if (change.level === 'default') return 'the default limit (every member without a group or own limit)';
  if (change.level === 'group') return `the limit of group “${change.key ?? ''}”`;
  return `the own limit of member ${change.key ?? ''}`;
}

/** The confirmation's sentence: what will change, in full. */
export function describeLimitChange(change: LimitChange): string {
  const what = levelName(change);
  return change.creditsPerMonth === null
    ? `Clear ${what} of organisation ${change.organizationId}: the next level down applies (unlimited if none is set).`
    : `Set ${what} of organisation ${change.organizationId} to ${change.creditsPerMonth} credits a month per member.`;
}

/** What a member's limit row says: "30 (group limit)", "unlimited". */
export function limitText(limit: string | null, source: LimitSource | null): string {
  if (limit === null) return 'unlimited';
  return source === null ? limit : `${limit} (${source} limit)`;
}

const MICRO = 1_000_000n;

/** A decimal credit string as micro-credits (exact: never a float near an amount). */
export function microOf(credits: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(credits);
  if (match === null) throw new Error(`not a credit amount: ${credits}`);
  return BigInt(match[1]) * MICRO + BigInt((match[2] ?? '').padEnd(6, '0'));
}

/** Micro-credits back to the ledger's decimal spelling ("12.5", "0.000001", "40"). */
export function creditsOf(micro: bigint): string {
  const whole = micro / MICRO;
  const fraction = (micro % MICRO).toString().padStart(6, '0').replace(/0+$/, '');
  return fraction === '' ? whole.toString() : `${whole}.${fraction}`;
}

/**
 * What approving a request does (SPEC §7): the member's effective limit now plus the amount, as its
 * own limit for the current month only; from an unlimited effective limit, nothing changes.
 */
export function approvalEffect(request: CreditRequest, member: OrganizationMember | undefined): string {
  if (member === undefined)
    return `${request.accountId} is not a member now: the ledger will say whether it can still be approved.`;
  if (member.limit === null)
    return `${request.accountId} has no limit (unlimited): approving records the decision and changes no limit.`;
  const raised = creditsOf(microOf(member.limit) + microOf(request.credits));
  return `${request.accountId}'s limit this month goes from ${member.limit} (${member.limitSource ?? 'effective'} limit) to ${raised} credits, as its own limit for this month only.`;
}

/** Pending requests first (oldest first), then those decided, as the API lists them. */
export function requestsInOrder(requests: readonly CreditRequest[]): readonly CreditRequest[] {
  const pending = requests.filter((r) => r.status === 'pending');
  return [...pending, ...requests.filter((r) => r.status !== 'pending')];
}

/** The member a request is from, if it still is one. */
export function memberOf(org: OrganizationView, accountId: string): OrganizationMember | undefined {
  return org.members.find((m) => m.accountId === accountId);
}
