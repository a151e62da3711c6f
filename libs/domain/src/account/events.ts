import type { JsonObject } from '../ids';
import type { MoneyPaid } from './commands';
import { HOLD_EVENT_TYPES, type HoldEvent } from '../holds/events';
import type { UsageReversed } from '../reversals/events';
import { ALERTS_EVENT_TYPES, type AlertsEvent } from '../alerts/events';
import { MEMBERSHIP_EVENT_TYPES, type MembershipEvent, type PaidBy } from '../membership/events';
import type { LimitSource } from '../organizations/events';

/**
 * Account events. Data is JSON-safe: credits as normalised decimal strings, times as ISO
 * strings, units and money as integers. Each event carries its own decision context (ledger time,
 * rate card version, actor), so history reads the same whatever the rate card says today.
 */
export interface EventStamp {
  readonly accountId: string;
  readonly recordedAt: string;
  readonly rateCardVersion: string;
  readonly actor: string;
}

/**
 * A window as it stood after the decision. `startedAt`/`resetsAt` are null when it is not open.
 * `used` is what usage consumed; `held` what open holds keep in this very window instance (issue
 * 17; absent in events recorded before it, read as 0); `remaining` = max(0, limit − used − held).
 */
export interface WindowSnapshot {
  readonly product: string;
  readonly window: string;
  readonly used: number;
  readonly held?: number;
  readonly limit: number;
  readonly remaining: number;
  readonly startedAt: string | null;
  readonly resetsAt: string | null;
}

export interface Allocation {
  readonly grantId: string;
  readonly credits: string;
}

/** member_limit_reached: a member's usage passed its organisation spend limit (SPEC §7). */
export type RejectionReason =
  'insufficient_credits' | 'overage_not_allowed' | 'spending_cap_reached' | 'member_limit_reached';

/** What both usage outcomes record: the request, the prices used and the state the caller sees. */
export interface UsageFacts extends EventStamp {
  readonly usageId: string;
  readonly fingerprint: string;
  readonly plan: string;
  readonly product: string;
  readonly operation: string;
  readonly quantity: number;
  readonly surface: string | null;
  readonly occurredAt: string | null;
  readonly metadata: JsonObject | null;
  readonly unitsPerQuantity: number;
  readonly creditsPerQuantity: string;
  readonly units: number;
  readonly windows: readonly WindowSnapshot[];
  /** Remaining credits over all live grants after the decision (any product). */
  readonly balanceAfter: string;
  /** Credits held by open holds after the decision (issue 17; absent before it, read as "0"). */
  readonly heldAfter?: string;
}

interface Event<T extends string, D> {
  readonly type: T;
  readonly data: Readonly<D>;
}

export type AccountOpened = Event<'AccountOpened', EventStamp & { plan: string; fingerprint: string }>;
export type PlanChanged = Event<
  'PlanChanged',
  EventStamp & { from: string; to: string; fingerprint: string }
>;
export type UsageRecorded = Event<
  'UsageRecorded',
  UsageFacts & {
    allowanceUnits: number;
    overageUnits: number;
    creditsCharged: string;
    allocations: readonly Allocation[];
    /** A member's usage paid from its organisation's pool: `allocations` name the pool's grants. */
    paidBy?: PaidBy;
  }
>;
export type UsageRejected = Event<
  'UsageRejected',
  UsageFacts & {
    reason: RejectionReason;
    overageUnits: number;
    requiredCredits: string;
    /** When the allowance will next cover this usage; null when it never will on this plan. */
    resetsAt: string | null;
    /** A member's usage the pool refused: the organisation, and for member_limit_reached the limit. */
    organizationId?: string;
    limitSource?: LimitSource | null;
    limit?: string | null;
  }
>;
export type CreditsPurchased = Event<
  'CreditsPurchased',
  EventStamp & {
    purchaseId: string;
    fingerprint: string;
    credits: string;
    amountPaid: MoneyPaid;
    expiresAt: string | null;
    products: readonly string[] | null;
    priority: number;
  }
>;
export type CreditsGranted = Event<
  'CreditsGranted',
  EventStamp & {
    grantId: string;
    fingerprint: string;
    credits: string;
    reason: string;
    expiresAt: string | null;
    products: readonly string[] | null;
    priority: number;
  }
>;
export type PurchaseRefunded = Event<
  'PurchaseRefunded',
  EventStamp & {
    refundId: string;
    purchaseId: string;
    fingerprint: string;
    reason: string;
    /** The unused remainder taken back (0 when everything was used or had expired). */
    credits: string;
    amountRefunded: MoneyPaid;
  }
>;
export type SpendingCapSet = Event<
  'SpendingCapSet',
  EventStamp & { creditsPerMonth: string | null; previous: string | null; fingerprint: string }
>;
export type CreditsExpired = Event<
  'CreditsExpired',
  EventStamp & { grantId: string; credits: string; expiresAt: string }
>;
export type AccountLimitsReset = Event<
  'AccountLimitsReset',
  EventStamp & { resetId: string; fingerprint: string; product: string | null; reason: string }
>;

export type AccountEvent =
  | AccountOpened
  | PlanChanged
  | UsageRecorded
  | UsageRejected
  | CreditsPurchased
  | CreditsGranted
  | PurchaseRefunded
  | SpendingCapSet
  | CreditsExpired
  | AccountLimitsReset
  | HoldEvent
  | UsageReversed
  | AlertsEvent
  | MembershipEvent;

export type AccountEventType = AccountEvent['type'];

export const ACCOUNT_EVENT_TYPES: readonly AccountEventType[] = [
  'AccountOpened',
  'PlanChanged',
  'UsageRecorded',
  'UsageRejected',
  'CreditsPurchased',
  'CreditsGranted',
  'PurchaseRefunded',
  'SpendingCapSet',
  'CreditsExpired',
  'AccountLimitsReset',
  ...HOLD_EVENT_TYPES,
  'UsageReversed',
  ...ALERTS_EVENT_TYPES,
  ...MEMBERSHIP_EVENT_TYPES,
];
