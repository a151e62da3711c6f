import type { CommandMetadata, MoneyPaid } from '../account/commands';

/**
 * Organisation commands (SPEC §7): the `organization-<orgId>` stream owns the pool, the members,
 * the spend limits, the credit requests and the member reservations on the pool.
 */
interface Command<T extends string, D> {
  readonly type: T;
  readonly data: Readonly<D>;
  readonly metadata: CommandMetadata;
}

export type SpendLimitLevel = 'default' | 'group' | 'member';

export type OpenOrganization = Command<
  'OpenOrganization',
  { organizationId: string; plan: string; name: string }
>;
/** Same account again with another group → MemberGroupChanged; same group → nothing appended. */
export type AddMember = Command<'AddMember', { organizationId: string; accountId: string; group?: string }>;
export type RemoveMember = Command<'RemoveMember', { organizationId: string; accountId: string }>;
export type PurchaseOrgCredits = Command<
  'PurchaseOrgCredits',
  {
    purchaseId: string;
    organizationId: string;
    credits: string;
    amountPaid: MoneyPaid;
    expiresAt?: string;
    products?: readonly string[];
  }
>;
export type GrantOrgCredits = Command<
  'GrantOrgCredits',
  {
    grantId: string;
    organizationId: string;
    credits: string;
    reason: string;
    expiresAt?: string;
    priority?: number;
    products?: readonly string[];
  }
>;
/** Issued by the expiry scheduler: writes off expired pool remainders and nothing else. */
export type ExpireOrgCredits = Command<'ExpireOrgCredits', { organizationId: string }>;
/** `key`: the group name (level group) or the accountId (level member); absent for the default. */
export type SetSpendLimit = Command<
  'SetSpendLimit',
  { organizationId: string; level: SpendLimitLevel; key?: string; creditsPerMonth: string | null }
>;
/** The pool's alerts (`PUT /v1/organizations/{orgId}/alerts`): as the account's SetAlerts, idempotent by value. */
export type SetOrgAlerts = Command<
  'SetOrgAlerts',
  { organizationId: string; creditsBelow: string | null; expiringWithinDays: number | null }
>;
/** The pool's auto top-up (`PUT /v1/organizations/{orgId}/auto-top-up`): as the account's SetAutoTopUp. */
export type SetOrgAutoTopUp = Command<
  'SetOrgAutoTopUp',
  {
    organizationId: string;
    enabled: boolean;
    belowCredits: string;
    targetCredits: string;
    monthlyLimitCredits: string;
  }
>;
/** The payment side could not fulfil the pool's outstanding request `topUpId`. Idempotent on topUpId. */
export type RecordOrgTopUpFailure = Command<
  'RecordOrgTopUpFailure',
  { organizationId: string; topUpId: string; reason: string }
>;
export type RequestCredits = Command<
  'RequestCredits',
  { requestId: string; organizationId: string; accountId: string; credits: string; note?: string }
>;
export type DecideCreditRequest = Command<
  'DecideCreditRequest',
  { requestId: string; organizationId: string; approve: boolean; note?: string }
>;
/**
 * A member's overage as a hold on the pool. `product` (beyond the shared design): pool grants may be
 * scoped to products, and a reservation draws only grants that apply to the usage's product.
 * `holdId` is made by the shell with `memberUsageHoldId`.
 */
export type ReserveMemberSpend = Command<
  'ReserveMemberSpend',
  {
    organizationId: string;
    accountId: string;
    usageId: string;
    holdId: string;
    product: string;
    credits: string;
    expiresAt: string;
  }
>;
/** `credits` ≤ reserved (what the member's UsageRecorded charged); the rest goes back to the pool. */
export type SettleMemberSpend = Command<
  'SettleMemberSpend',
  { organizationId: string; holdId: string; usageId: string; credits: string }
>;
export type ReleaseMemberSpend = Command<
  'ReleaseMemberSpend',
  { organizationId: string; holdId: string; reason: string }
>;
/** Issued by the sweeper only, after PoolReservationLapsed is on the member's stream. */
export type ExpireMemberSpend = Command<'ExpireMemberSpend', { organizationId: string; holdId: string }>;

export type OrganizationCommand =
  | OpenOrganization
  | AddMember
  | RemoveMember
  | PurchaseOrgCredits
  | GrantOrgCredits
  | ExpireOrgCredits
  | SetSpendLimit
  | SetOrgAlerts
  | SetOrgAutoTopUp
  | RecordOrgTopUpFailure
  | RequestCredits
  | DecideCreditRequest
  | ReserveMemberSpend
  | SettleMemberSpend
  | ReleaseMemberSpend
  | ExpireMemberSpend;

export type OrganizationCommandType = OrganizationCommand['type'];

/** The fixed prefix ends at the first '-', so the name is unambiguous for any organisation id. */
export function organizationStreamName(organizationId: string): string {
  return `organization-${organizationId}`;
}

/**
 * Idempotency keys of the organisation stream, `<kind>:<id>`; no kind contains a colon, so the
 * first colon splits them. The shell uses `organizationIdempotencyKeyOf` to fetch one entry.
 */
export const organizationKeys = {
  purchase: (id: string) => `purchase:${id}`,
  grant: (id: string) => `grant:${id}`,
  request: (id: string) => `request:${id}`,
  decision: (id: string) => `decision:${id}`,
  reserve: (holdId: string) => `reserve:${holdId}`,
  settle: (holdId: string) => `settle:${holdId}`,
  release: (holdId: string) => `release:${holdId}`,
  /** The account's key for the same command (idempotency.ts), so both streams spell it alike. */
  topUpFailure: (topUpId: string) => `topupfailure:${topUpId}`,
} as const;

export function organizationIdempotencyKeyOf(
  command: Pick<OrganizationCommand, 'type' | 'data'>,
): string | null {
  const { type, data } = command as OrganizationCommand;
  switch (type) {
    case 'PurchaseOrgCredits':
      return organizationKeys.purchase(data.purchaseId);
    case 'GrantOrgCredits':
      return organizationKeys.grant(data.grantId);
    case 'RequestCredits':
      return organizationKeys.request(data.requestId);
    case 'DecideCreditRequest':
      return organizationKeys.decision(data.requestId);
    case 'ReserveMemberSpend':
      return organizationKeys.reserve(data.holdId);
    case 'SettleMemberSpend':
      return organizationKeys.settle(data.holdId);
    case 'ReleaseMemberSpend':
      return organizationKeys.release(data.holdId);
    case 'RecordOrgTopUpFailure':
      return organizationKeys.topUpFailure(data.topUpId);
    default:
      return null;
  }
}
