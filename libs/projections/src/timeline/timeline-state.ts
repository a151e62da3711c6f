import {
  creditsFromStored,
  formatCredits,
  msFromStored,
  withoutLapsedWindows,
  type AccountEvent,
  type Allocation,
  type Credits,
  type EpochMs,
  type OpenWindow,
  type Released,
} from '@ledger/domain';
import { isPaidByPool } from '../organizations/paid-by-pool';
import { evolveWindows } from '../allowance-windows/allowance-state';

/**
 * A grant of the account. Exhausted grants stay (a reversal may give credits back to them, and
 * needs their expiry); written-off and refunded ones leave, unless a hold still keeps credits of
 * theirs (a hold is a promise: libs/domain/src/holds/RULES.md). `held` is absent when nothing is held.
 */
export interface TimelineGrant {
  readonly grantId: string;
  readonly remaining: string;
  readonly held?: string;
  readonly expiresAt: EpochMs | null;
  /** Written off or refunded while a hold kept some of it: gone once nothing is held. */
  readonly closed?: true;
}

/** An open hold's units, counted in the window instances it holds them in while they are live. */
export interface TimelineHold {
  readonly holdId: string;
  readonly product: string;
  readonly allowanceUnits: number;
  readonly windows: readonly { readonly name: string; readonly startedAt: EpochMs }[];
}

/**
 * The account as support needs it after each event: a compact view (plan, cap, open windows,
 * grants, open holds), not the decider's state with its idempotency index, so a row stays a few
 * hundred bytes however long the account's history.
 */
export interface TimelineState {
  readonly plan: string | null;
  readonly spendingCap: string | null;
  readonly windows: readonly OpenWindow[];
  readonly grants: readonly TimelineGrant[];
  /** Open holds only (absent in states stored before issue 17: none). */
  readonly holds?: readonly TimelineHold[];
  /** The organisation the account is a member of (absent when none: issue 18). */
  readonly organizationId?: string;
}

export const EMPTY_TIMELINE_STATE: TimelineState = { plan: null, spendingCap: null, windows: [], grants: [] };

/** Pure reducer. Open holds forget a window instance removed in its first millisecond, as the decider does. */
export function evolveTimelineState(state: TimelineState, event: AccountEvent): TimelineState {
  const after = evolveParts(state, event);
  if (after.holds === undefined) return after;
  const holds = withoutLapsedWindows(after.holds, event);
  return holds === after.holds ? after : { ...after, holds };
}

function evolveParts(state: TimelineState, event: AccountEvent): TimelineState {
  switch (event.type) {
    case 'AccountOpened':
      return { ...state, plan: event.data.plan };
    case 'PlanChanged':
      return { ...state, plan: event.data.to };
    case 'SpendingCapSet':
      return { ...state, spendingCap: event.data.creditsPerMonth };
    case 'AccountLimitsReset':
      return { ...state, windows: evolveWindows(state.windows, event) };
    case 'UsageRecorded':
      return {
        ...state,
        windows: evolveWindows(state.windows, event),
        // Paid by the organisation's pool: its own grants wait (the pool's timeline has the money).
        grants: isPaidByPool(event)
          ? state.grants
          : moveGrants(state.grants, event.data.allocations, -1n, 0n),
      };
    case 'JoinedOrganization':
      return { ...state, plan: event.data.plan, organizationId: event.data.organizationId };
    case 'LeftOrganization': {
      const { organizationId: _left, ...rest } = state;
      return { ...rest, plan: event.data.plan };
    }
    case 'PoolReservationLapsed':
      return state;
    case 'CreditsPurchased':
    case 'CreditsGranted': {
      const d = event.data;
      const grantId = event.type === 'CreditsPurchased' ? event.data.purchaseId : event.data.grantId;
      const grant = {
        grantId,
        remaining: d.credits,
        expiresAt: d.expiresAt === null ? null : msFromStored(d.expiresAt),
      };
      return { ...state, grants: [...state.grants, grant] };
    }
    case 'CreditsExpired':
      return { ...state, grants: closeGrant(state.grants, event.data.grantId) };
    case 'PurchaseRefunded':
      return { ...state, grants: closeGrant(state.grants, event.data.purchaseId) };
    case 'UsageRejected':
    case 'HoldRejected':
      return state;
    case 'HoldPlaced': {
      const d = event.data;
      const hold: TimelineHold = {
        holdId: d.holdId,
        product: d.product,
        allowanceUnits: d.allowanceUnits,
        windows: d.heldIn.map((w) => ({ name: w.window, startedAt: msFromStored(w.startedAt) })),
      };
      return {
        ...state,
        windows: evolveWindows(state.windows, event),
        grants: moveGrants(state.grants, d.allocations, -1n, 1n),
        holds: [...(state.holds ?? []), hold],
      };
    }
    case 'HoldSettled': {
      const d = event.data;
      let grants = moveGrants(state.grants, d.consumed.allocations, 0n, -1n);
      grants = released(grants, d.released);
      grants = moveGrants(grants, d.charged.allocations, -1n, 0n);
      return {
        ...state,
        windows: evolveWindows(state.windows, event),
        grants,
        holds: withoutHold(state.holds, d.holdId),
      };
    }
    case 'HoldReleased':
    case 'HoldExpired':
      return {
        ...state,
        grants: released(state.grants, event.data.released),
        holds: withoutHold(state.holds, event.data.holdId),
      };
    case 'UsageReversed': {
      const d = event.data;
      let grants = moveGrants(state.grants, d.allocations, 1n, 0n);
      if (d.regranted !== null)
        grants = [
          ...grants,
          { grantId: d.regranted.grantId, remaining: d.regranted.credits, expiresAt: null },
        ];
      return { ...state, windows: evolveWindows(state.windows, event), grants };
    }
    case 'AlertsSet':
    case 'AutoTopUpSet':
    case 'TopUpRequested':
    case 'TopUpFailed':
    case 'AutoTopUpDisabled':
      // Settings and requests: nothing the timeline's state (plan, cap, windows, grants) shows moves.
      return state;
  }
}

/**
 * Each named grant's remaining and held moved by sign × credits. A grant the state no longer has
 * cannot be moved: that would be a log the decider never wrote, so the reducer fails loudly.
 */
export function moveGrants(
  grants: readonly TimelineGrant[],
  allocations: readonly Allocation[],
  remainingSign: -1n | 0n | 1n,
  heldSign: -1n | 0n | 1n,
): readonly TimelineGrant[] {
  if (allocations.length === 0) return grants;
  const moved = new Map<string, Credits>();
  for (const a of allocations)
    moved.set(a.grantId, (moved.get(a.grantId) ?? 0n) + creditsFromStored(a.credits));
  const next = grants.map((g) => {
    const credits = moved.get(g.grantId);
    if (credits === undefined) return g;
    moved.delete(g.grantId);
    const held = creditsFromStored(g.held ?? '0') + heldSign * credits;
    const remaining = creditsFromStored(g.remaining) + remainingSign * credits;
    const { held: _held, ...rest } = g;
    return held === 0n
      ? { ...rest, remaining: formatCredits(remaining) }
      : { ...rest, remaining: formatCredits(remaining), held: formatCredits(held) };
  });
  if (moved.size > 0)
    throw new Error(`timeline: credits moved on unknown grant(s) ${[...moved.keys()].join(', ')}`);
  return next.filter((g) => !(g.closed === true && g.held === undefined));
}

/** Released credits go back to their grants; the part whose grant expired meanwhile is written off. */
export function released(grants: readonly TimelineGrant[], release: Released): readonly TimelineGrant[] {
  return moveGrants(moveGrants(grants, release.allocations, 1n, -1n), release.expired, 0n, -1n);
}

/** A grant written off or refunded leaves, unless a hold still keeps credits of it. */
export function closeGrant(grants: readonly TimelineGrant[], grantId: string): readonly TimelineGrant[] {
  return grants.flatMap((g) => {
    if (g.grantId !== grantId) return [g];
    return g.held === undefined ? [] : [{ ...g, remaining: '0', closed: true }];
  });
}

function withoutHold(holds: readonly TimelineHold[] | undefined, holdId: string): readonly TimelineHold[] {
  return (holds ?? []).filter((h) => h.holdId !== holdId);
}

/** Credits drawable at `at`: grants not yet expired (expiry is inclusive, as the decider counts it). */
export function balanceAt(state: TimelineState, at: EpochMs): Credits {
  let balance = 0n;
  for (const g of state.grants)
    if (g.expiresAt === null || at < g.expiresAt) balance += creditsFromStored(g.remaining);
  return balance;
}
