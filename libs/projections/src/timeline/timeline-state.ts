import {
  creditsFromStored,
  formatCredits,
  msFromStored,
  type AccountEvent,
  type Credits,
  type EpochMs,
  type OpenWindow,
} from '@ledger/domain';
import { evolveWindows } from '../allowance-windows/allowance-state';

/** A grant that can still be drawn: closed or empty grants leave the state, so it stays small. */
export interface TimelineGrant {
  readonly grantId: string;
  readonly remaining: string;
  readonly expiresAt: EpochMs | null;
}

/**
 * The account as support needs it after each event: a compact view (plan, cap, open windows,
 * drawable grants), not the decider's state with its idempotency index, so a row stays a few
 * hundred bytes however long the account's history.
 */
export interface TimelineState {
  readonly plan: string | null;
  readonly spendingCap: string | null;
  readonly windows: readonly OpenWindow[];
  readonly grants: readonly TimelineGrant[];
}

export const EMPTY_TIMELINE_STATE: TimelineState = { plan: null, spendingCap: null, windows: [], grants: [] };

/** Pure reducer. */
export function evolveTimelineState(state: TimelineState, event: AccountEvent): TimelineState {
  switch (event.type) {
    case 'AccountOpened':
      return { ...state, plan: event.data.plan };
    case 'PlanChanged':
      return { ...state, plan: event.data.to };
    case 'SpendingCapSet':
      return { ...state, spendingCap: event.data.creditsPerMonth };
    case 'AccountLimitsReset':
      return { ...state, windows: evolveWindows(state.windows, event) };
    case 'UsageRecorded': {
      const drawn = new Map(event.data.allocations.map((a) => [a.grantId, creditsFromStored(a.credits)]));
      const grants = drawn.size === 0 ? state.grants : drawGrants(state.grants, drawn);
      return { ...state, windows: evolveWindows(state.windows, event), grants };
    }
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
      return { ...state, grants: state.grants.filter((g) => g.grantId !== event.data.grantId) };
    case 'PurchaseRefunded':
      return { ...state, grants: state.grants.filter((g) => g.grantId !== event.data.purchaseId) };
    case 'UsageRejected':
      return state;
    default:
      // Issue 17: no command path appends hold events yet; the timeline must learn them before one does.
      throw new Error(`the timeline does not read ${event.type} yet (issue 17, HOLDS-STATUS.md)`);
  }
}

function drawGrants(grants: readonly TimelineGrant[], drawn: ReadonlyMap<string, Credits>): TimelineGrant[] {
  return grants.flatMap((g) => {
    const credits = drawn.get(g.grantId);
    if (credits === undefined) return [g];
    const remaining = creditsFromStored(g.remaining) - credits;
    return remaining === 0n ? [] : [{ ...g, remaining: formatCredits(remaining) }];
  });
}

/** Credits drawable at `at`: grants not yet expired (expiry is inclusive, as the decider counts it). */
export function balanceAt(state: TimelineState, at: EpochMs): Credits {
  let balance = 0n;
  for (const g of state.grants)
    if (g.expiresAt === null || at < g.expiresAt) balance += creditsFromStored(g.remaining);
  return balance;
}
