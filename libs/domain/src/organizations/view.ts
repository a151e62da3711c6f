import { grantStatus, type GrantView } from '../account/view';
import { formatCredits, type Credits } from '../credits';
import { isoOf, type EpochMs } from '../time';
import type { LimitSource } from './events';
import { effectiveLimit, memberRemainingThisMonth, memberSpentThisMonth } from './limits';
import { poolBalance } from './pool';
import { reservedCredits, type CreditRequestStatus, type OrganizationState } from './state';

/** API.md `GET /v1/organizations/{orgId}`, computed from the decider state at ledger time `now`. */
export interface OrganizationView {
  readonly organizationId: string;
  readonly plan: string;
  readonly name: string;
  readonly credits: {
    readonly balance: string;
    readonly held: string;
    readonly grants: readonly GrantView[];
  };
  readonly spendLimits: {
    readonly default: string | null;
    readonly groups: Readonly<Record<string, string>>;
  };
  readonly members: readonly MemberView[];
  readonly creditRequests: readonly CreditRequestView[];
}

export interface MemberView {
  readonly accountId: string;
  readonly group: string | null;
  /** Settled + open reservations, this UTC month. */
  readonly spentThisMonth: string;
  readonly limit: string | null;
  readonly limitSource: LimitSource | null;
  readonly remainingThisMonth: string | null;
}

export interface CreditRequestView {
  readonly requestId: string;
  readonly accountId: string;
  readonly credits: string;
  readonly note: string | null;
  readonly status: CreditRequestStatus;
  readonly requestedAt: string;
}

const creditsOrNull = (c: Credits | null) => (c === null ? null : formatCredits(c));

/** Null when the organisation is not open. Members and requests in the order they came. */
export function organizationView(state: OrganizationState, now: EpochMs): OrganizationView | null {
  if (state.organizationId === null || state.plan === null || state.name === null) return null;
  const heldOn = new Map<string, Credits>();
  for (const r of state.reservations.values()) {
    for (const a of r.allocations) heldOn.set(a.grantId, (heldOn.get(a.grantId) ?? 0n) + a.credits);
  }
  const grants = state.grants.map((g): GrantView => {
    const held = heldOn.get(g.grantId) ?? 0n;
    const status = grantStatus(g, now, held);
    return {
      grantId: g.grantId,
      kind: g.kind,
      credits: formatCredits(g.credits),
      remaining: formatCredits(status === 'active' ? g.remaining : 0n),
      held: formatCredits(held),
      expiresAt: g.expiresAt === null ? null : isoOf(g.expiresAt),
      products: g.products,
      priority: g.priority,
      status,
    };
  });
  const members = [...state.members.values()].map((m): MemberView => {
    const { limit, source } = effectiveLimit(state, m.accountId, now);
    return {
      accountId: m.accountId,
      group: m.group,
      spentThisMonth: formatCredits(memberSpentThisMonth(state, m.accountId, now)),
      limit: creditsOrNull(limit),
      limitSource: source,
      remainingThisMonth: creditsOrNull(memberRemainingThisMonth(state, m.accountId, now)),
    };
  });
  return {
    organizationId: state.organizationId,
    plan: state.plan,
    name: state.name,
    credits: {
      balance: formatCredits(poolBalance(state.grants, now)),
      held: formatCredits(reservedCredits(state)),
      grants,
    },
    spendLimits: {
      default: creditsOrNull(state.limits.default),
      groups: Object.fromEntries([...state.limits.groups].map(([g, c]) => [g, formatCredits(c)])),
    },
    members,
    creditRequests: [...state.requests.values()].map((r) => ({
      requestId: r.requestId,
      accountId: r.accountId,
      credits: formatCredits(r.credits),
      note: r.note,
      status: r.status,
      requestedAt: isoOf(r.requestedAt),
    })),
  };
}
