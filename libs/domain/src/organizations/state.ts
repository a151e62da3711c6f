import { applyAlertsEvent, closeTopUpBy, noAlerts, type AlertsState } from '../alerts/state';
import { AppendOnlyIndex } from '../append-only-index';
import { BucketedMap } from './bucketed-map';
import type { GrantState } from '../account/state';
import type { Allocation } from '../account/events';
import { creditsFromStored, type Credits } from '../credits';
import type { IdempotencyIndex } from '../idempotency';
import { msFromStored, type EpochMs } from '../time';
import { organizationKeys } from './commands';
import type { OrganizationEvent, PoolReturn, SpendLimitSet } from './events';
import { monthNumberOf } from './month';

/** A member as the organisation knows it. */
export interface MemberState {
  readonly accountId: string;
  readonly group: string | null;
}

/** Pool credits held for one member usage (burn order), until settled, released or expired. */
export interface HeldPoolCredits {
  readonly grantId: string;
  readonly credits: Credits;
}

export interface ReservationState {
  readonly holdId: string;
  readonly accountId: string;
  readonly usageId: string;
  readonly product: string;
  /** UTC months since year 0 (utcMonthOf) of the reservation: its spend counts in that month. */
  readonly month: number;
  readonly credits: Credits;
  readonly allocations: readonly HeldPoolCredits[];
  readonly expiresAt: EpochMs;
}

export type ReservationStatus = 'reserved' | 'settled' | 'released' | 'expired' | 'rejected';

/** What is kept of a reservation once it ended (or was never made): enough to answer a late command. */
export interface ClosedReservation {
  readonly status: Exclude<ReservationStatus, 'reserved'>;
  readonly accountId: string;
  readonly usageId: string;
}

export type CreditRequestStatus = 'pending' | 'approved' | 'declined';

export interface CreditRequestState {
  readonly requestId: string;
  readonly accountId: string;
  readonly credits: Credits;
  readonly note: string | null;
  readonly status: CreditRequestStatus;
  readonly requestedAt: EpochMs;
}

/** Credits per UTC month; null = no limit at that level. */
export interface SpendLimits {
  readonly default: Credits | null;
  readonly groups: ReadonlyMap<string, Credits>;
  readonly members: ReadonlyMap<string, Credits>;
}

/** An approved request's limit, for one month only. */
export interface MonthOverride {
  readonly month: number;
  readonly credits: Credits;
}

/** Settled spend of a member in its latest month (open reservations are counted from `reservations`). */
export interface MemberMonthSpend {
  readonly month: number;
  readonly settled: Credits;
}

export interface OrganizationState {
  /** Events folded = the revision the next event gets. */
  readonly version: number;
  readonly organizationId: string | null;
  readonly plan: string | null;
  readonly name: string | null;
  readonly members: ReadonlyMap<string, MemberState>;
  /** The pool: GrantState like an account's, so burn order and expiry are the account's own code. */
  readonly grants: readonly GrantState[];
  readonly limits: SpendLimits;
  readonly monthOverrides: ReadonlyMap<string, MonthOverride>;
  readonly requests: ReadonlyMap<string, CreditRequestState>;
  /** Open reservations only: their credits are off the grants' remaining. */
  readonly reservations: ReadonlyMap<string, ReservationState>;
  /** Ended (or rejected) reservations, looked up only: an AppendOnlyIndex. */
  readonly closedReservations: ReadonlyMap<string, ClosedReservation>;
  /** Per member: a BucketedMap, as it changes on every settlement. */
  readonly memberSpend: BucketedMap<MemberMonthSpend>;
  readonly idempotency: IdempotencyIndex;
  /** The pool's alerts: the alerts module's fixed-size slice, as the account's. */
  readonly alerts: AlertsState;
}

export function initialOrganizationState(): OrganizationState {
  return {
    version: 0,
    organizationId: null,
    plan: null,
    name: null,
    members: new Map(),
    grants: [],
    limits: { default: null, groups: new Map(), members: new Map() },
    monthOverrides: new Map(),
    requests: new Map(),
    reservations: new Map(),
    closedReservations: AppendOnlyIndex.empty(),
    memberSpend: BucketedMap.empty(),
    idempotency: AppendOnlyIndex.empty(),
    alerts: noAlerts(),
  };
}

type Draft = { -readonly [K in keyof OrganizationState]: OrganizationState[K] };

/** Pure: a new state; `state` is left as it was (maps are replaced, never mutated). */
export function evolveOrganization(state: OrganizationState, event: OrganizationEvent): OrganizationState {
  const draft: Draft = { ...state };
  apply(draft, event, new WeakSet());
  return draft;
}

export function foldOrganization(
  events: Iterable<OrganizationEvent>,
  from: OrganizationState = initialOrganizationState(),
): OrganizationState {
  const draft: Draft = { ...from };
  // Maps this fold made are its own until it returns: written in place, not copied per event.
  const owned: Owned = new WeakSet();
  for (const event of events) apply(draft, event, owned);
  return draft;
}

function keyOf(event: OrganizationEvent): string | null {
  switch (event.type) {
    case 'OrgCreditsPurchased':
      return organizationKeys.purchase(event.data.purchaseId);
    case 'TopUpFailed':
      return organizationKeys.topUpFailure(event.data.topUpId);
    case 'OrgCreditsGranted':
      return organizationKeys.grant(event.data.grantId);
    case 'CreditsRequested':
      return organizationKeys.request(event.data.requestId);
    case 'CreditRequestApproved':
    case 'CreditRequestDeclined':
      return organizationKeys.decision(event.data.requestId);
    case 'MemberSpendReserved':
    case 'MemberSpendRejected':
      return organizationKeys.reserve(event.data.holdId);
    case 'MemberSpendSettled':
      return organizationKeys.settle(event.data.holdId);
    case 'MemberSpendReleased':
      return organizationKeys.release(event.data.holdId);
    default:
      return null;
  }
}

function apply(draft: Draft, event: OrganizationEvent, owned: Owned): void {
  const revision = draft.version;
  draft.version = revision + 1;
  const key = keyOf(event);
  if (key !== null && 'fingerprint' in event.data) {
    const entry = { fingerprint: event.data.fingerprint, revision };
    draft.idempotency = AppendOnlyIndex.from(draft.idempotency).with(key, entry);
  }
  const d = event.data;
  switch (event.type) {
    case 'OrganizationOpened':
      draft.organizationId = event.data.organizationId;
      draft.plan = event.data.plan;
      draft.name = event.data.name;
      return;
    case 'MemberAdded':
    case 'MemberGroupChanged': {
      const { accountId, group } = event.data;
      draft.members = mapWith(owned, draft.members, accountId, { accountId, group });
      return;
    }
    case 'MemberRemoved':
      draft.members = mapWithout(owned, draft.members, event.data.accountId);
      return;
    case 'OrgCreditsPurchased':
    case 'OrgCreditsGranted': {
      const purchase = event.type === 'OrgCreditsPurchased' ? event.data : null;
      const credits = creditsFromStored(event.data.credits);
      draft.grants = [
        ...draft.grants,
        {
          grantId: purchase !== null ? purchase.purchaseId : (d as { grantId: string }).grantId,
          kind: purchase !== null ? 'purchase' : 'promotional',
          credits,
          remaining: credits,
          expiresAt: event.data.expiresAt === null ? null : msFromStored(event.data.expiresAt),
          products: event.data.products,
          priority: event.data.priority,
          grantedAt: msFromStored(event.data.recordedAt),
          status: 'open',
          amountPaid: purchase !== null ? purchase.amountPaid : null,
        },
      ];
      // A purchase whose purchaseId is the outstanding topUpId fulfils the pool's request.
      if (purchase !== null) closeTopUpBy(draft, purchase.purchaseId);
      return;
    }
    case 'OrgCreditsExpired':
      draft.grants = draft.grants.map((g) =>
        g.grantId === event.data.grantId ? { ...g, remaining: 0n, status: 'written_off' } : g,
      );
      return;
    case 'SpendLimitSet':
      applySpendLimitSet(draft, event.data, owned);
      return;
    case 'AlertsSet':
    case 'AutoTopUpSet':
    case 'TopUpRequested':
    case 'TopUpFailed':
    case 'AutoTopUpDisabled':
      applyAlertsEvent(draft, event);
      return;
    case 'CreditsRequested':
      draft.requests = mapWith(owned, draft.requests, event.data.requestId, {
        requestId: event.data.requestId,
        accountId: event.data.accountId,
        credits: creditsFromStored(event.data.credits),
        note: event.data.note,
        status: 'pending',
        requestedAt: msFromStored(event.data.recordedAt),
      });
      return;
    case 'CreditRequestApproved':
    case 'CreditRequestDeclined': {
      const request = draft.requests.get(event.data.requestId);
      if (request !== undefined) {
        const status = event.type === 'CreditRequestApproved' ? 'approved' : 'declined';
        draft.requests = mapWith(owned, draft.requests, request.requestId, { ...request, status });
      }
      if (event.type === 'CreditRequestApproved' && event.data.override !== null) {
        draft.monthOverrides = mapWith(owned, draft.monthOverrides, event.data.accountId, {
          month: monthNumberOf(event.data.month),
          credits: creditsFromStored(event.data.override),
        });
      }
      return;
    }
    case 'MemberSpendReserved': {
      const r = event.data;
      const allocations = r.allocations.map(heldOf);
      draft.grants = adjusted(draft.grants, allocations, -1n);
      draft.reservations = mapWith(owned, draft.reservations, r.holdId, {
        holdId: r.holdId,
        accountId: r.accountId,
        usageId: r.usageId,
        product: r.product,
        month: monthNumberOf(r.month),
        credits: creditsFromStored(r.credits),
        allocations,
        expiresAt: msFromStored(r.expiresAt),
      });
      return;
    }
    case 'MemberSpendRejected':
      close(draft, owned, event.data.holdId, 'rejected', event.data.accountId, event.data.usageId);
      return;
    case 'MemberSpendSettled': {
      const s = event.data;
      returnToPool(draft, s.released);
      const month = monthNumberOf(s.month);
      const spent = draft.memberSpend.get(s.accountId);
      const credits = creditsFromStored(s.credits);
      if (spent === undefined || spent.month < month) {
        draft.memberSpend = draft.memberSpend.with(s.accountId, { month, settled: credits });
      } else if (spent.month === month) {
        draft.memberSpend = draft.memberSpend.with(s.accountId, { month, settled: spent.settled + credits });
      }
      close(draft, owned, s.holdId, 'settled', s.accountId, s.usageId);
      return;
    }
    case 'MemberSpendReleased':
    case 'MemberSpendExpired':
      returnToPool(draft, event.data.released);
      close(
        draft,
        owned,
        event.data.holdId,
        event.type === 'MemberSpendReleased' ? 'released' : 'expired',
        event.data.accountId,
        event.data.usageId,
      );
      return;
  }
}

function applySpendLimitSet(draft: Draft, set: SpendLimitSet['data'], owned: Owned): void {
  const value = set.creditsPerMonth === null ? null : creditsFromStored(set.creditsPerMonth);
  const limits = draft.limits;
  if (set.level === 'default') {
    draft.limits = { ...limits, default: value };
    return;
  }
  const key = set.key ?? '';
  const at = (map: ReadonlyMap<string, Credits>) =>
    value === null ? mapWithout(owned, map, key) : mapWith(owned, map, key, value);
  if (set.level === 'group') {
    draft.limits = { ...limits, groups: at(limits.groups) };
    return;
  }
  draft.limits = { ...limits, members: at(limits.members) };
  // The admin's latest word on this member replaces an approved request's month override.
  draft.monthOverrides = mapWithout(owned, draft.monthOverrides, key);
}

function returnToPool(draft: Draft, released: PoolReturn): void {
  draft.grants = adjusted(draft.grants, released.allocations.map(heldOf), 1n);
}

function close(
  draft: Draft,
  owned: Owned,
  holdId: string,
  status: ClosedReservation['status'],
  accountId: string,
  usageId: string,
): void {
  if (draft.reservations.has(holdId)) draft.reservations = mapWithout(owned, draft.reservations, holdId);
  draft.closedReservations = AppendOnlyIndex.from(draft.closedReservations).with(holdId, {
    status,
    accountId,
    usageId,
  });
}

export const heldOf = (a: Allocation): HeldPoolCredits => ({
  grantId: a.grantId,
  credits: creditsFromStored(a.credits),
});

/** Each named grant's remaining moved by sign × credits. */
export function adjusted(
  grants: readonly GrantState[],
  allocations: readonly HeldPoolCredits[],
  sign: 1n | -1n,
): readonly GrantState[] {
  if (allocations.length === 0) return grants;
  const moved = new Map<string, Credits>();
  for (const a of allocations) moved.set(a.grantId, (moved.get(a.grantId) ?? 0n) + a.credits);
  return grants.map((g) => {
    const credits = moved.get(g.grantId);
    return credits === undefined ? g : { ...g, remaining: g.remaining + sign * credits };
  });
}

/** Maps made by the fold in progress: nobody else can see them yet, so they are written in place. */
type Owned = WeakSet<object>;

function mapWith<K, V>(owned: Owned, map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  const next = owned.has(map) ? (map as Map<K, V>) : new Map(map);
  owned.add(next);
  next.set(key, value);
  return next;
}

function mapWithout<K, V>(owned: Owned, map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  if (!map.has(key)) return map;
  const next = owned.has(map) ? (map as Map<K, V>) : new Map(map);
  owned.add(next);
  next.delete(key);
  return next;
}

/** Where a reservation stands; undefined when this organisation never saw the holdId. */
export function reservationStatusOf(state: OrganizationState, holdId: string): ReservationStatus | undefined {
  if (state.reservations.has(holdId)) return 'reserved';
  return state.closedReservations.get(holdId)?.status;
}

/** Credits held by all open reservations. */
export function reservedCredits(state: OrganizationState): Credits {
  let held = 0n;
  for (const r of state.reservations.values()) held += r.credits;
  return held;
}

/** Open reservations past their expiry (inclusive), oldest first: what the sweeper must repair. */
export function memberReservationsDue(state: OrganizationState, now: EpochMs): ReservationState[] {
  return [...state.reservations.values()]
    .filter((r) => now >= r.expiresAt)
    .sort((a, b) => a.expiresAt - b.expiresAt || (a.holdId < b.holdId ? -1 : 1));
}
