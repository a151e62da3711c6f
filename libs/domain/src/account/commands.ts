import { idempotencyKeys } from '../idempotency';
import type { JsonObject } from '../ids';
import type { HoldCommand } from '../holds/commands';
import type { ReverseUsage } from '../reversals/commands';
import type { AlertsCommand } from '../alerts/commands';
import type { MemberPool, MembershipCommand } from '../membership/commands';

/** Supplied by the shell, never by the caller: the ledger's clock, the payload fingerprint, who asked. */
export interface CommandMetadata {
  /** Ledger time, epoch ms, from the injected (system or simulated) clock. */
  readonly now: number;
  /** Hash of the canonical payload, computed by the shell; equal payloads ⇔ equal fingerprints. */
  readonly fingerprint: string;
  readonly actor: string;
}

interface Command<T extends string, D> {
  readonly type: T;
  readonly data: Readonly<D>;
  readonly metadata: CommandMetadata;
}

export interface MoneyPaid {
  /** Integer minor units (cents). */
  readonly amountMinor: number;
  /** ISO 4217, e.g. "USD". */
  readonly currency: string;
}

export interface RecordUsageData {
  readonly usageId: string;
  readonly accountId: string;
  readonly product: string;
  readonly operation: string;
  readonly quantity: number;
  readonly surface?: string;
  /** Caller's time, ISO; informational only (windows count by the ledger's clock). */
  readonly occurredAt?: string;
  readonly metadata?: JsonObject;
}

export type OpenAccount = Command<'OpenAccount', { accountId: string; plan: string }>;
export type ChangePlan = Command<'ChangePlan', { accountId: string; plan: string }>;
/**
 * `pool`: attached by the shell, never by the caller, to a member's usage (membership/RULES.md):
 * the pool's reservation (or refusal) for its overage. Outside `data`, so not in the fingerprint.
 */
export type RecordUsage = Command<'RecordUsage', RecordUsageData> & { readonly pool?: MemberPool };
export type PurchaseCredits = Command<
  'PurchaseCredits',
  {
    purchaseId: string;
    accountId: string;
    credits: string;
    amountPaid: MoneyPaid;
    expiresAt?: string;
    products?: readonly string[];
  }
>;
export type GrantCredits = Command<
  'GrantCredits',
  {
    grantId: string;
    accountId: string;
    credits: string;
    reason: string;
    expiresAt?: string;
    priority?: number;
    products?: readonly string[];
  }
>;
export type RefundPurchase = Command<
  'RefundPurchase',
  { refundId: string; accountId: string; purchaseId: string; reason: string }
>;
export type SetSpendingCap = Command<'SetSpendingCap', { accountId: string; creditsPerMonth: string | null }>;
/** Issued by the expiry scheduler: writes off expired remainders and nothing else. */
export type ExpireCredits = Command<'ExpireCredits', { accountId: string }>;
/** The account-scoped reset lives in the account stream; scopes all/plan live in `limits-resets`. */
export type ResetAccountLimits = Command<
  'ResetAccountLimits',
  { resetId: string; accountId: string; product?: string; reason: string }
>;

export type AccountCommand =
  | OpenAccount
  | ChangePlan
  | RecordUsage
  | PurchaseCredits
  | GrantCredits
  | RefundPurchase
  | SetSpendingCap
  | ExpireCredits
  | ResetAccountLimits
  | HoldCommand
  | ReverseUsage
  | AlertsCommand
  | MembershipCommand;

export type AccountCommandType = AccountCommand['type'];

export function accountStreamName(accountId: string): string {
  return `account-${accountId}`;
}

/**
 * The idempotency key `decide` consults for a command, or null for commands that are idempotent by
 * value. The shell uses it to fetch that one key's entry when the state holds only recent keys.
 */
export function idempotencyKeyOf(command: Pick<AccountCommand, 'type' | 'data'>): string | null {
  const { type, data } = command as AccountCommand;
  switch (type) {
    case 'RecordUsage':
      return idempotencyKeys.usage(data.usageId);
    case 'PurchaseCredits':
      return idempotencyKeys.purchase(data.purchaseId);
    case 'GrantCredits':
      return idempotencyKeys.grant(data.grantId);
    case 'RefundPurchase':
      return idempotencyKeys.refund(data.refundId);
    case 'ResetAccountLimits':
      return idempotencyKeys.reset(data.resetId);
    case 'PlaceHold':
      return idempotencyKeys.hold(data.holdId);
    case 'SettleHold':
      return idempotencyKeys.usage(data.usageId);
    case 'ReleaseHold':
      return idempotencyKeys.release(data.holdId);
    case 'ReverseUsage':
      return idempotencyKeys.reversal(data.reversalId);
    case 'RecordTopUpFailure':
      return idempotencyKeys.topUpFailure(data.topUpId);
    default:
      return null;
  }
}
