import {
  creditsFromStored,
  formatCredits,
  msFromStored,
  type EpochMs,
  type OrganizationEvent,
} from '@ledger/domain';
import { balanceAt, closeGrant, moveGrants, type TimelineGrant } from './timeline-state';

/**
 * An organisation as support needs it after each of its events: a compact view (plan, name, pool
 * grants, members, limits, open reservations, pending requests), not the decider's state with its
 * idempotency index.
 */
export interface OrgTimelineState {
  readonly plan: string | null;
  readonly name: string | null;
  readonly grants: readonly TimelineGrant[];
  readonly members: readonly { readonly accountId: string; readonly group: string | null }[];
  readonly spendLimits: {
    readonly default: string | null;
    readonly groups: Readonly<Record<string, string>>;
    readonly members: Readonly<Record<string, string>>;
  };
  /** Open member reservations: hold id → member. */
  readonly reservations: Readonly<Record<string, string>>;
  readonly pendingRequests: readonly string[];
}

export const EMPTY_ORG_TIMELINE_STATE: OrgTimelineState = {
  plan: null,
  name: null,
  grants: [],
  members: [],
  spendLimits: { default: null, groups: {}, members: {} },
  reservations: {},
  pendingRequests: [],
};

/** Pure reducer. */
export function evolveOrgTimelineState(state: OrgTimelineState, event: OrganizationEvent): OrgTimelineState {
  switch (event.type) {
    case 'OrganizationOpened':
      return { ...state, plan: event.data.plan, name: event.data.name };
    case 'MemberAdded':
    case 'MemberGroupChanged': {
      const { accountId, group } = event.data;
      const others = state.members.filter((m) => m.accountId !== accountId);
      return { ...state, members: [...others, { accountId, group }] };
    }
    case 'MemberRemoved':
      return { ...state, members: state.members.filter((m) => m.accountId !== event.data.accountId) };
    case 'OrgCreditsPurchased':
    case 'OrgCreditsGranted': {
      const d = event.data;
      const grantId = event.type === 'OrgCreditsPurchased' ? event.data.purchaseId : event.data.grantId;
      const expiresAt = d.expiresAt === null ? null : msFromStored(d.expiresAt);
      return { ...state, grants: [...state.grants, { grantId, remaining: d.credits, expiresAt }] };
    }
    case 'OrgCreditsExpired':
      return { ...state, grants: closeGrant(state.grants, event.data.grantId) };
    case 'SpendLimitSet':
      return { ...state, spendLimits: withLimit(state.spendLimits, event.data) };
    case 'CreditsRequested':
      return { ...state, pendingRequests: [...state.pendingRequests, event.data.requestId] };
    case 'CreditRequestApproved':
    case 'CreditRequestDeclined':
      return {
        ...state,
        pendingRequests: state.pendingRequests.filter((r) => r !== event.data.requestId),
      };
    case 'MemberSpendReserved':
      return {
        ...state,
        grants: moveGrants(state.grants, event.data.allocations, -1n, 1n),
        reservations: { ...state.reservations, [event.data.holdId]: event.data.accountId },
      };
    case 'MemberSpendSettled': {
      const grants = moveGrants(state.grants, event.data.allocations, 0n, -1n);
      return {
        ...state,
        grants: moveGrants(grants, event.data.released.allocations, 1n, -1n),
        reservations: without(state.reservations, event.data.holdId),
      };
    }
    case 'MemberSpendReleased':
    case 'MemberSpendExpired':
      return {
        ...state,
        grants: moveGrants(state.grants, event.data.released.allocations, 1n, -1n),
        reservations: without(state.reservations, event.data.holdId),
      };
    default:
      // A rejected reservation holds nothing.
      return state;
  }
}

function withLimit(
  limits: OrgTimelineState['spendLimits'],
  set: {
    readonly level: 'default' | 'group' | 'member';
    readonly key?: string | null;
    readonly creditsPerMonth: string | null;
  },
): OrgTimelineState['spendLimits'] {
  if (set.level === 'default') return { ...limits, default: set.creditsPerMonth };
  const field = set.level === 'group' ? 'groups' : 'members';
  const key = set.key ?? '';
  const next = { ...limits[field] };
  if (set.creditsPerMonth === null) delete next[key];
  else next[key] = set.creditsPerMonth;
  return { ...limits, [field]: next };
}

function without(record: Readonly<Record<string, string>>, key: string): Readonly<Record<string, string>> {
  const { [key]: _gone, ...rest } = record;
  return rest;
}

/** The `stateAfter` / `stateAsOf` of an organisation's timeline. */
export interface OrgTimelineStateView {
  readonly plan: string | null;
  readonly name: string | null;
  readonly balance: string;
  readonly held: string;
  readonly grants: readonly { readonly grantId: string; readonly remaining: string; readonly held: string }[];
  readonly members: OrgTimelineState['members'];
  readonly spendLimits: OrgTimelineState['spendLimits'];
  readonly openReservations: number;
  readonly pendingRequests: readonly string[];
}

/** A stored state as it stood at `at`: grants expired by then count for nothing. */
export function renderOrgTimelineState(state: OrgTimelineState, at: EpochMs): OrgTimelineStateView {
  return {
    plan: state.plan,
    name: state.name,
    balance: formatCredits(
      balanceAt({ plan: null, spendingCap: null, windows: [], grants: state.grants }, at),
    ),
    held: formatCredits(state.grants.reduce((sum, g) => sum + creditsFromStored(g.held ?? '0'), 0n)),
    grants: state.grants
      .map((g) => ({
        grantId: g.grantId,
        remaining: g.expiresAt === null || at < g.expiresAt ? g.remaining : '0',
        held: g.held ?? '0',
      }))
      .filter((g) => g.remaining !== '0' || g.held !== '0'),
    members: state.members,
    spendLimits: state.spendLimits,
    openReservations: Object.keys(state.reservations).length,
    pendingRequests: state.pendingRequests,
  };
}
