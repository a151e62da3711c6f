import type { VerifyProgress } from './verify-progress';

/** The shapes of the API answers the console reads (API.md), as far as it reads them. */

export type Role = 'service' | 'admin' | 'finance' | 'support';

export interface Session {
  readonly keyId: string;
  readonly roles: readonly Role[];
  /** The ledger's clock when asked (it may be a simulated clock, far from this machine's). */
  readonly now: string;
}

export interface WindowView {
  readonly product: string;
  readonly window: string;
  readonly used: number;
  readonly limit: number;
  readonly remaining: number;
  readonly usedPercent?: number;
  readonly startedAt: string | null;
  readonly resetsAt: string | null;
  /** Units reserved by open holds (issue 17); absent until the ledger reports holds. */
  readonly held?: number;
  readonly retired?: boolean;
}

export interface GrantView {
  readonly grantId: string;
  readonly kind: 'purchase' | 'promotional';
  readonly credits: string;
  readonly remaining: string;
  readonly expiresAt: string | null;
  readonly products: readonly string[] | null;
  readonly priority: number;
  readonly status: string;
  readonly held?: string;
}

export interface AccountView {
  readonly accountId: string;
  readonly plan: string;
  readonly windows: readonly WindowView[];
  readonly credits: {
    readonly balance: string;
    readonly held?: string;
    readonly grants: readonly GrantView[];
  };
  /** API.md: the cap a month (null: none) and what was spent this UTC month. */
  readonly spendingCap:
    { readonly creditsPerMonth: string | null; readonly spentThisMonth: string } | string | null;
  /** Present while the account is a member of an organisation (API.md "Organisations"). */
  readonly organizationId?: string | null;
}

export interface TimelineState {
  readonly plan: string | null;
  readonly spendingCap: string | null;
  readonly balance: string;
  /** Credits kept by open holds after the event (issue 17; absent in older answers). */
  readonly held?: string;
  readonly windows: readonly WindowView[];
  readonly grants: readonly {
    readonly grantId: string;
    readonly remaining: string;
    readonly held?: string;
  }[];
}

export interface TimelineItem {
  readonly position: string;
  readonly revision: string | number;
  readonly type: string;
  readonly recordedAt: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly stateAfter: TimelineState;
}

export interface TimelinePage {
  readonly items: readonly TimelineItem[];
  readonly nextCursor: string | null;
  readonly stateAsOf?: TimelineState;
}

export interface TrialBalance {
  readonly ledgerAccounts: Readonly<Record<string, string>>;
  readonly total: string;
  readonly position: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly eventsReplayed: number;
  readonly mismatches: readonly unknown[];
  readonly position: string;
  readonly truncated?: boolean;
}

export interface VerificationState {
  readonly running: boolean;
  readonly startedAt: string | null;
  readonly progress: VerifyProgress | null;
  readonly queued: number;
  readonly last: { readonly finishedAt: string; readonly ok: boolean; readonly position: string } | null;
}

export interface JournalPage {
  readonly items: readonly {
    readonly entryId: string;
    readonly position: string;
    readonly recordedAt: string;
  }[];
  readonly nextCursor: string | null;
}

export interface Allocation {
  readonly grantId: string;
  readonly credits: string;
}

/** `GET /v1/holds/{holdId}` (API.md "Holds and reversals"). */
export interface HoldView {
  readonly holdId: string;
  readonly accountId: string;
  readonly status: 'held' | 'settled' | 'released' | 'expired';
  readonly lines: readonly { readonly operation: string; readonly quantity: number }[];
  readonly held: {
    readonly allowanceUnits: number;
    readonly credits: string;
    readonly allocations: readonly Allocation[];
  };
  readonly expiresAt: string;
  readonly usageId?: string;
}

/** The notification kinds of SPEC §8 (`member_limit.reached` comes with organisations). */
export type NotificationKind =
  | 'window.threshold'
  | 'credits.low'
  | 'credits.depleted'
  | 'credits.expiring'
  | 'spending_cap.reached'
  | 'member_limit.reached'
  | 'hold.expired'
  | 'topup.requested'
  | 'topup.failed';

/** One item of `GET /v1/accounts/{id}/notifications` (API.md "Alerts, auto top-up, webhooks"). */
export interface NotificationView {
  readonly notificationId: string;
  /** A kind this console does not know yet still shows, by its name. */
  readonly kind: NotificationKind | (string & {});
  readonly accountId: string;
  readonly organizationId?: string;
  readonly occurredAt: string;
  readonly position: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface NotificationPage {
  readonly items: readonly NotificationView[];
  readonly nextCursor: string | null;
}

export type LimitSource = 'member' | 'group' | 'default';

/** `GET /v1/organizations/{orgId}` (API.md "Organisations"). */
export interface OrganizationView {
  readonly organizationId: string;
  readonly plan: string;
  readonly name: string;
  /** The UTC month `spentThisMonth` counts in (the ledger's clock). */
  readonly month?: string;
  readonly credits: {
    readonly balance: string;
    readonly held: string;
    readonly grants: readonly GrantView[];
  };
  readonly spendLimits: {
    readonly default: string | null;
    readonly groups: Readonly<Record<string, string>>;
    readonly members?: Readonly<Record<string, string>>;
  };
  readonly members: readonly OrganizationMember[];
  readonly creditRequests: readonly CreditRequest[];
}

export interface OrganizationMember {
  readonly accountId: string;
  readonly group: string | null;
  readonly spentThisMonth: string;
  /** The effective limit this month; null: unlimited. */
  readonly limit: string | null;
  readonly limitSource: LimitSource | null;
  readonly remainingThisMonth: string | null;
}

export interface CreditRequest {
  readonly requestId: string;
  readonly accountId: string;
  readonly credits: string;
  readonly note: string | null;
  readonly status: 'pending' | 'approved' | 'declined';
  readonly requestedAt?: string;
  readonly decidedAt?: string | null;
  readonly decisionNote?: string | null;
  readonly month?: string | null;
  readonly override?: string | null;
}

/** An item of `GET /v1/webhooks` (never its secret). */
export interface WebhookView {
  readonly webhookId: string;
  readonly url: string;
  readonly kinds: readonly string[];
  readonly registeredAt?: string;
}

/** An item of `GET /v1/webhooks/{id}/deliveries`. */
export interface DeliveryView {
  readonly deliveryId: string;
  readonly notificationId: string;
  readonly kind: string;
  readonly accountId?: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError?: string | null;
  readonly nextAttemptAt: string | null;
}

export interface DeliveryPage {
  readonly items: readonly DeliveryView[];
  readonly nextCursor?: string | null;
}
