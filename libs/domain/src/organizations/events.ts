import type { PoolAlertsEvent } from '../alerts/events';
import type { Allocation } from '../account/events';
import type { MoneyPaid } from '../account/commands';
import type { SpendLimitLevel } from './commands';

/**
 * Organisation events, in the `organization-<orgId>` stream. JSON-safe like account events:
 * credits as normalised decimal strings, times ISO, months 'YYYY-MM' (UTC).
 */
export interface OrganizationStamp {
  readonly organizationId: string;
  readonly recordedAt: string;
  readonly rateCardVersion: string;
  readonly actor: string;
}

interface Event<T extends string, D> {
  readonly type: T;
  readonly data: Readonly<D>;
}

/** Which level a member's effective limit comes from; null = unlimited. A month override is 'member'. */
export type LimitSource = 'member' | 'group' | 'default';

export type PoolRejectionReason = 'member_limit_reached' | 'insufficient_credits';

/** Credits that go back to the pool's grants (a settlement's excess, a release, an expiry). */
export interface PoolReturn {
  readonly credits: string;
  readonly allocations: readonly Allocation[];
}

export type OrganizationOpened = Event<
  'OrganizationOpened',
  OrganizationStamp & { plan: string; name: string; fingerprint: string }
>;
export type MemberAdded = Event<
  'MemberAdded',
  OrganizationStamp & { accountId: string; group: string | null }
>;
export type MemberGroupChanged = Event<
  'MemberGroupChanged',
  OrganizationStamp & { accountId: string; from: string | null; group: string | null }
>;
export type MemberRemoved = Event<
  'MemberRemoved',
  OrganizationStamp & { accountId: string; group: string | null }
>;
export type OrgCreditsPurchased = Event<
  'OrgCreditsPurchased',
  OrganizationStamp & {
    purchaseId: string;
    fingerprint: string;
    credits: string;
    amountPaid: MoneyPaid;
    expiresAt: string | null;
    products: readonly string[] | null;
    priority: number;
  }
>;
export type OrgCreditsGranted = Event<
  'OrgCreditsGranted',
  OrganizationStamp & {
    grantId: string;
    fingerprint: string;
    credits: string;
    reason: string;
    expiresAt: string | null;
    products: readonly string[] | null;
    priority: number;
  }
>;
/** A pool grant's unreserved remainder written off at its expiry (credits a release returns later too). */
export type OrgCreditsExpired = Event<
  'OrgCreditsExpired',
  OrganizationStamp & { grantId: string; credits: string; expiresAt: string }
>;
/** `key`: group name or accountId; null for the default. `creditsPerMonth` null = cleared. */
export type SpendLimitSet = Event<
  'SpendLimitSet',
  OrganizationStamp & {
    level: SpendLimitLevel;
    key: string | null;
    creditsPerMonth: string | null;
    previous: string | null;
  }
>;
export type CreditsRequested = Event<
  'CreditsRequested',
  OrganizationStamp & {
    requestId: string;
    fingerprint: string;
    accountId: string;
    credits: string;
    note: string | null;
  }
>;
/**
 * `override` = `limitBefore` + credits, the member's limit for `month` only; both null when the
 * effective limit was unlimited at approval (nothing changes then).
 */
export type CreditRequestApproved = Event<
  'CreditRequestApproved',
  OrganizationStamp & {
    requestId: string;
    fingerprint: string;
    accountId: string;
    credits: string;
    note: string | null;
    month: string;
    limitBefore: string | null;
    override: string | null;
  }
>;
export type CreditRequestDeclined = Event<
  'CreditRequestDeclined',
  OrganizationStamp & {
    requestId: string;
    fingerprint: string;
    accountId: string;
    credits: string;
    note: string | null;
  }
>;
/** Pool credits held for a member's usage: off the grants' remaining, in burn order. */
export type MemberSpendReserved = Event<
  'MemberSpendReserved',
  OrganizationStamp & {
    holdId: string;
    fingerprint: string;
    accountId: string;
    usageId: string;
    product: string;
    month: string;
    credits: string;
    allocations: readonly Allocation[];
    expiresAt: string;
    /** What is left of the member's limit this month after it; null = unlimited. */
    remainingThisMonth: string | null;
    /** The pool's unreserved balance after. */
    balanceAfter: string;
    /** Credits held by all open reservations after, this one included. */
    heldAfter: string;
  }
>;
export type MemberSpendRejected = Event<
  'MemberSpendRejected',
  OrganizationStamp & {
    holdId: string;
    fingerprint: string;
    accountId: string;
    usageId: string;
    product: string;
    month: string;
    reason: PoolRejectionReason;
    limitSource: LimitSource | null;
    limit: string | null;
    requiredCredits: string;
    /** The member's spend this month (settled + open reservations) before this request. */
    spentThisMonth: string;
    /** What is left of the member's limit this month; null = unlimited. */
    remainingThisMonth: string | null;
    balanceAfter: string;
    heldAfter: string;
  }
>;
export type MemberSpendSettled = Event<
  'MemberSpendSettled',
  OrganizationStamp & {
    holdId: string;
    fingerprint: string;
    accountId: string;
    usageId: string;
    /** The reservation's month: its spend counts there. */
    month: string;
    credits: string;
    /** The consumed part: a prefix of the reservation's allocations. */
    allocations: readonly Allocation[];
    released: PoolReturn;
    balanceAfter: string;
    heldAfter: string;
  }
>;
export type MemberSpendReleased = Event<
  'MemberSpendReleased',
  OrganizationStamp & {
    holdId: string;
    fingerprint: string;
    accountId: string;
    usageId: string;
    month: string;
    reason: string;
    released: PoolReturn;
    balanceAfter: string;
    heldAfter: string;
  }
>;
export type MemberSpendExpired = Event<
  'MemberSpendExpired',
  OrganizationStamp & {
    holdId: string;
    accountId: string;
    usageId: string;
    month: string;
    expiresAt: string;
    released: PoolReturn;
    balanceAfter: string;
    heldAfter: string;
  }
>;

export type OrganizationEvent =
  | OrganizationOpened
  | MemberAdded
  | MemberGroupChanged
  | MemberRemoved
  | OrgCreditsPurchased
  | OrgCreditsGranted
  | OrgCreditsExpired
  | SpendLimitSet
  | CreditsRequested
  | CreditRequestApproved
  | CreditRequestDeclined
  | MemberSpendReserved
  | MemberSpendRejected
  | MemberSpendSettled
  | MemberSpendReleased
  | MemberSpendExpired
  /** The pool's alerts and auto top-up (the alerts module's events, with the organisation's stamp). */
  | PoolAlertsEvent<OrganizationStamp>;

export type OrganizationEventType = OrganizationEvent['type'];

export const ORGANIZATION_EVENT_TYPES: readonly OrganizationEventType[] = [
  'OrganizationOpened',
  'MemberAdded',
  'MemberGroupChanged',
  'MemberRemoved',
  'OrgCreditsPurchased',
  'OrgCreditsGranted',
  'OrgCreditsExpired',
  'SpendLimitSet',
  'CreditsRequested',
  'CreditRequestApproved',
  'CreditRequestDeclined',
  'MemberSpendReserved',
  'MemberSpendRejected',
  'MemberSpendSettled',
  'MemberSpendReleased',
  'MemberSpendExpired',
  'AlertsSet',
  'AutoTopUpSet',
  'TopUpRequested',
  'TopUpFailed',
  'AutoTopUpDisabled',
];
