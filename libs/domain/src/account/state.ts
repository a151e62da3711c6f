import { creditsFromStored, type Credits } from '../credits';
import { AppendOnlyIndex } from '../append-only-index';
import { idempotencyKeys, type IdempotencyIndex } from '../idempotency';
import { msFromStored, utcMonthOf, type EpochMs } from '../time';
import type { MoneyPaid } from './commands';
import type { AccountEvent, Allocation, WindowSnapshot } from './events';
import {
  applyHoldEvent,
  lapseHeldWindows,
  noClosedHolds,
  noHolds,
  type ClosedHoldsState,
  type HoldsState,
} from '../holds/state';
import { applyUsageReversed, type ReversalsState } from '../reversals/state';
import { applyAlertsEvent, closeTopUpBy, noAlerts, type AlertsState } from '../alerts/state';
import {
  applyMembershipEvent,
  applyPoolPaidUsage,
  noMembership,
  type MembershipState,
} from '../membership/state';

/** A window that has been opened by usage. Limits are not stored: they come from the current plan. */
export interface OpenWindow {
  readonly product: string;
  readonly name: string;
  readonly startedAt: EpochMs;
  readonly resetsAt: EpochMs;
  readonly used: number;
}

export interface GrantState {
  readonly grantId: string;
  readonly kind: 'purchase' | 'promotional';
  readonly credits: Credits;
  readonly remaining: Credits;
  readonly expiresAt: EpochMs | null;
  /** null = every product. */
  readonly products: readonly string[] | null;
  readonly priority: number;
  readonly grantedAt: EpochMs;
  /** 'written_off' = a CreditsExpired event took the remainder; a grant past expiry but not yet written off is still 'open'. */
  readonly status: 'open' | 'written_off' | 'refunded';
  /** Purchases only: what was paid, for pro-rata refunds. */
  readonly amountPaid: MoneyPaid | null;
}

export interface AccountState {
  /**
   * Number of events folded, which is the stream revision the next event will get. Tracking it
   * here keeps `evolve(state, event)` two-argument; the shell must fold from revision 0 (or from
   * a snapshot, which carries it).
   */
  readonly version: number;
  readonly accountId: string | null;
  readonly plan: string | null;
  /** The plan of AccountOpened: a retried OpenAccount is compared with it, not the current plan. */
  readonly openedWithPlan: string | null;
  readonly windows: readonly OpenWindow[];
  readonly grants: readonly GrantState[];
  readonly spendingCap: Credits | null;
  /** Credits charged in `month` (UTC months since year 0): enough for the calendar-month cap. */
  readonly monthSpend: { readonly month: number; readonly credits: Credits };
  readonly idempotency: IdempotencyIndex;
  /** Open holds (holds/state.ts): held credits are off their grants' remaining, held units kept apart. */
  readonly holds: HoldsState;
  /** Holds that ended (status + usageId), an AppendOnlyIndex: looked up, never iterated by a decision. */
  readonly closedHolds: ClosedHoldsState;
  /** usageId → reversalId (reversals/state.ts), an AppendOnlyIndex: a usage is reversed at most once. */
  readonly reversals: ReversalsState;
  /** Alert settings and auto top-up (alerts/state.ts): a fixed-size slice. */
  readonly alerts: AlertsState;
  /** Organisation membership (membership/state.ts): while a member, `plan` is the organisation's. */
  readonly membership: MembershipState;
}

export function initialState(): AccountState {
  return {
    version: 0,
    accountId: null,
    plan: null,
    openedWithPlan: null,
    windows: [],
    grants: [],
    spendingCap: null,
    monthSpend: { month: 0, credits: 0n },
    idempotency: AppendOnlyIndex.empty(),
    holds: noHolds(),
    closedHolds: noClosedHolds(),
    reversals: AppendOnlyIndex.empty(),
    alerts: noAlerts(),
    membership: noMembership(),
  };
}

type Draft = { -readonly [K in keyof AccountState]: AccountState[K] };

/** A field-by-field copy: an object literal, not a spread (V8's slow path on this hot one). */
function draftOf(state: AccountState): Draft {
  return {
    version: state.version,
    accountId: state.accountId,
    plan: state.plan,
    openedWithPlan: state.openedWithPlan,
    windows: state.windows,
    grants: state.grants,
    spendingCap: state.spendingCap,
    monthSpend: state.monthSpend,
    idempotency: state.idempotency,
    holds: state.holds,
    closedHolds: state.closedHolds,
    reversals: state.reversals,
    alerts: state.alerts,
    membership: state.membership,
  };
}

/**
 * Pure: returns a new state and leaves `state` untouched (the timeline keeps every state). Nothing
 * is copied per event: arrays are replaced, never mutated, and the idempotency index is an
 * AppendOnlyIndex, whose older versions keep reading as they did.
 */
export function evolve(state: AccountState, event: AccountEvent): AccountState {
  const draft = draftOf(state);
  apply(draft, event);
  return draft;
}

/** Folds a whole stream (or the tail after a snapshot, or one decision's events) into `from`. */
export function foldAccount(
  events: Iterable<AccountEvent>,
  from: AccountState = initialState(),
): AccountState {
  const draft = draftOf(from);
  for (const event of events) apply(draft, event);
  return draft;
}

/** The idempotency key an event answers for, if any. */
function keyOf(event: AccountEvent): string | null {
  switch (event.type) {
    case 'UsageRecorded':
    case 'UsageRejected':
      return idempotencyKeys.usage(event.data.usageId);
    case 'CreditsPurchased':
      return idempotencyKeys.purchase(event.data.purchaseId);
    case 'CreditsGranted':
      return idempotencyKeys.grant(event.data.grantId);
    case 'PurchaseRefunded':
      return idempotencyKeys.refund(event.data.refundId);
    case 'AccountLimitsReset':
      return idempotencyKeys.reset(event.data.resetId);
    case 'HoldPlaced':
    case 'HoldRejected':
      return idempotencyKeys.hold(event.data.holdId);
    case 'HoldSettled':
      return idempotencyKeys.usage(event.data.usageId);
    case 'HoldReleased':
      return idempotencyKeys.release(event.data.holdId);
    case 'UsageReversed':
      return idempotencyKeys.reversal(event.data.reversalId);
    case 'TopUpFailed':
      return idempotencyKeys.topUpFailure(event.data.topUpId);
    default:
      return null;
  }
}

function apply(draft: Draft, event: AccountEvent): void {
  applyEvent(draft, event);
  // A window instance removed in its first millisecond takes its held units with it for good: a
  // successor may open in that millisecond with the same startedAt (holds/RULES.md 1).
  lapseHeldWindows(draft, event);
}

function applyEvent(draft: Draft, event: AccountEvent): void {
  const revision = draft.version;
  draft.version = revision + 1;
  const key = keyOf(event);
  if (key !== null && 'fingerprint' in event.data) {
    const entry = { fingerprint: event.data.fingerprint, revision };
    draft.idempotency = AppendOnlyIndex.from(draft.idempotency).with(key, entry);
  }
  switch (event.type) {
    case 'AccountOpened':
      draft.accountId = event.data.accountId;
      draft.plan = event.data.plan;
      draft.openedWithPlan = event.data.plan;
      return;
    case 'PlanChanged':
      draft.plan = event.data.to;
      return;
    case 'UsageRecorded': {
      const { product, windows, allocations, creditsCharged, recordedAt } = event.data;
      draft.windows = withProductWindows(draft.windows, product, windows);
      // Paid by the organisation's pool: its allocations name pool grants, and the account's own
      // grants and monthly spend (its own cap) are untouched.
      if (event.data.paidBy !== undefined) {
        applyPoolPaidUsage(draft, event);
        return;
      }
      if (allocations.length > 0) draft.grants = drawnDown(draft.grants, allocations);
      const month = utcMonthOf(msFromStored(recordedAt));
      const charged = creditsFromStored(creditsCharged);
      draft.monthSpend = {
        month,
        credits: (draft.monthSpend.month === month ? draft.monthSpend.credits : 0n) + charged,
      };
      return;
    }
    case 'UsageRejected':
      return;
    case 'CreditsPurchased':
    case 'CreditsGranted': {
      const d = event.data;
      const credits = creditsFromStored(d.credits);
      const purchase = event.type === 'CreditsPurchased' ? event.data : null;
      draft.grants = [
        ...draft.grants,
        {
          grantId: purchase !== null ? purchase.purchaseId : (d as { grantId: string }).grantId,
          kind: purchase !== null ? 'purchase' : 'promotional',
          credits,
          remaining: credits,
          expiresAt: d.expiresAt === null ? null : msFromStored(d.expiresAt),
          products: d.products,
          priority: d.priority,
          grantedAt: msFromStored(d.recordedAt),
          status: 'open',
          amountPaid: purchase !== null ? purchase.amountPaid : null,
        },
      ];
      if (purchase !== null) closeTopUpBy(draft, purchase.purchaseId);
      return;
    }
    case 'PurchaseRefunded':
      draft.grants = replaceGrant(draft.grants, event.data.purchaseId, 'refunded');
      return;
    case 'CreditsExpired':
      draft.grants = replaceGrant(draft.grants, event.data.grantId, 'written_off');
      return;
    case 'SpendingCapSet':
      draft.spendingCap =
        event.data.creditsPerMonth === null ? null : creditsFromStored(event.data.creditsPerMonth);
      return;
    case 'AccountLimitsReset': {
      const { product } = event.data;
      draft.windows = product === null ? [] : draft.windows.filter((w) => w.product !== product);
      return;
    }
    case 'UsageReversed':
      applyUsageReversed(draft, event);
      return;
    case 'AlertsSet':
    case 'AutoTopUpSet':
    case 'TopUpRequested':
    case 'TopUpFailed':
    case 'AutoTopUpDisabled':
      applyAlertsEvent(draft, event);
      return;
    case 'JoinedOrganization':
    case 'LeftOrganization':
    case 'PoolReservationLapsed':
      applyMembershipEvent(draft, event);
      return;
    default:
      applyHoldEvent(draft, event);
  }
}

/** The event holds the product's windows after the decision, so evolve needs no rate card. */
function withProductWindows(
  current: readonly OpenWindow[],
  product: string,
  after: readonly WindowSnapshot[],
): OpenWindow[] {
  const windows: OpenWindow[] = [];
  for (const w of current) if (w.product !== product) windows.push(w);
  for (const w of after) {
    if (w.startedAt === null || w.resetsAt === null) continue;
    windows.push({
      product,
      name: w.window,
      startedAt: msFromStored(w.startedAt),
      resetsAt: msFromStored(w.resetsAt),
      used: w.used,
    });
  }
  return windows;
}

/** Each allocated grant with its allocation taken off `remaining`. */
function drawnDown(grants: readonly GrantState[], allocations: readonly Allocation[]): GrantState[] {
  const drawn = new Map(allocations.map((a) => [a.grantId, creditsFromStored(a.credits)]));
  return grants.map((g) => {
    const credits = drawn.get(g.grantId);
    return credits === undefined ? g : withRemaining(g, g.remaining - credits, g.status);
  });
}

function replaceGrant(
  grants: readonly GrantState[],
  grantId: string,
  status: GrantState['status'],
): GrantState[] {
  return grants.map((g) => (g.grantId === grantId ? withRemaining(g, 0n, status) : g));
}

function withRemaining(grant: GrantState, remaining: Credits, status: GrantState['status']): GrantState {
  return {
    grantId: grant.grantId,
    kind: grant.kind,
    credits: grant.credits,
    remaining,
    expiresAt: grant.expiresAt,
    products: grant.products,
    priority: grant.priority,
    grantedAt: grant.grantedAt,
    status,
    amountPaid: grant.amountPaid,
  };
}

export function grantOf(state: AccountState, grantId: string): GrantState | undefined {
  return state.grants.find((g) => g.grantId === grantId);
}
