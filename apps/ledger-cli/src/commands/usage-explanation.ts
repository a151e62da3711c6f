import {
  creditsFromStored,
  formatCredits,
  operationOf,
  type AccountEvent,
  type CreditsGranted,
  type CreditsPurchased,
  type MoneyPaid,
  type RateCard,
  type UsageRecorded,
  type UsageRejected,
} from '@ledger/domain';
import type { AccountHistoryItem } from '../read-models/account-history';

export interface GrantFacts {
  readonly grantId: string;
  readonly kind: 'purchase' | 'promotional';
  readonly credits: string;
  readonly grantedAt: string;
  readonly expiresAt: string | null;
  readonly amountPaid: MoneyPaid | null;
}

export interface WindowChange {
  readonly product: string;
  readonly window: string;
  readonly limit: number;
  readonly usedBefore: number;
  readonly usedAfter: number;
  readonly resetsAt: string | null;
}

/** Everything needed to answer "why was this usage charged (or refused) what it was?". */
export interface UsageExplanation {
  readonly accountId: string;
  readonly usageId: string;
  readonly outcome: 'accepted' | 'rejected';
  readonly position: string;
  readonly recordedAt: string;
  readonly occurredAt: string | null;
  readonly surface: string | null;
  readonly plan: string;
  readonly request: { product: string; operation: string; quantity: number; units: number };
  readonly rateCard: {
    version: string;
    unitsPerQuantity: number;
    creditsPerQuantity: string;
    /** Today's card, when it prices this operation differently (history keeps the old price). */
    today: { version: string; unitsPerQuantity: number; creditsPerQuantity: string } | null;
  };
  readonly allowanceUnits: number;
  readonly overageUnits: number;
  readonly overageQuantity: number;
  readonly creditsCharged: string;
  readonly balanceBefore: string;
  readonly balanceAfter: string;
  readonly paidBy: readonly (GrantFacts & { readonly drawn: string })[];
  /**
   * A member's usage paid by its organisation's pool (issue 18): the pool's reservation and the
   * pool grants drawn. The member's own balance did not move; `paidBy` is then empty.
   */
  readonly pool: {
    readonly organizationId: string;
    readonly holdId: string;
    readonly allocations: readonly { readonly grantId: string; readonly credits: string }[];
    /** What the pool still had open to the member after (the lesser of the pool and its remaining limit). */
    readonly openAfter: string;
  } | null;
  readonly windows: readonly WindowChange[];
  readonly rejection: {
    reason: UsageRejected['data']['reason'];
    requiredCredits: string;
    /** When the allowance would next have covered it; null when waiting cannot help on this plan. */
    allowanceBackAt: string | null;
    spendingCap: string | null;
    /** member_limit_reached: the organisation, and the limit passed and its level. */
    organization?: { organizationId: string; limitSource: string | null; limit: string | null };
  } | null;
}

type UsageEvent = UsageRecorded | UsageRejected;

export function isUsageEvent(event: AccountEvent, usageId: string): event is UsageEvent {
  return (event.type === 'UsageRecorded' || event.type === 'UsageRejected') && event.data.usageId === usageId;
}

/** Grants in the account's history so far, by id (what each allocation drew from). */
export function grantFactsOf(event: AccountEvent): GrantFacts | null {
  if (event.type === 'CreditsPurchased') return purchaseFacts(event);
  if (event.type === 'CreditsGranted') return promotionFacts(event);
  return null;
}

export function explainUsage(
  usage: AccountHistoryItem & { readonly event: UsageEvent },
  grants: ReadonlyMap<string, GrantFacts>,
  previous: AccountHistoryItem | undefined,
  rateCard: RateCard,
): UsageExplanation {
  const d = usage.event.data;
  const accepted = usage.event.type === 'UsageRecorded';
  const allowanceUnits = usage.event.type === 'UsageRecorded' ? usage.event.data.allowanceUnits : 0;
  const creditsCharged = usage.event.type === 'UsageRecorded' ? usage.event.data.creditsCharged : '0';
  const allocations = usage.event.type === 'UsageRecorded' ? usage.event.data.allocations : [];
  const paidByPool = usage.event.type === 'UsageRecorded' ? (usage.event.data.paidBy ?? null) : null;
  const today = operationOf(rateCard, d.product, d.operation);
  const todayPrice = today && {
    version: rateCard.version,
    unitsPerQuantity: today.unitsPerQuantity,
    creditsPerQuantity: formatCredits(today.creditsPerQuantity),
  };
  const samePrice =
    todayPrice !== undefined &&
    todayPrice.unitsPerQuantity === d.unitsPerQuantity &&
    todayPrice.creditsPerQuantity === d.creditsPerQuantity;
  return {
    accountId: d.accountId,
    usageId: d.usageId,
    outcome: accepted ? 'accepted' : 'rejected',
    position: usage.position,
    recordedAt: d.recordedAt,
    occurredAt: d.occurredAt,
    surface: d.surface,
    plan: d.plan,
    request: { product: d.product, operation: d.operation, quantity: d.quantity, units: d.units },
    rateCard: {
      version: d.rateCardVersion,
      unitsPerQuantity: d.unitsPerQuantity,
      creditsPerQuantity: d.creditsPerQuantity,
      today: samePrice ? null : (todayPrice ?? null),
    },
    allowanceUnits,
    overageUnits: d.overageUnits,
    overageQuantity: d.unitsPerQuantity === 0 ? d.quantity : d.overageUnits / d.unitsPerQuantity,
    creditsCharged,
    // Paid by the pool, the member's own balance did not move (the event's balanceAfter is then
    // what the pool still had open to the member).
    balanceBefore:
      paidByPool === null
        ? formatCredits(creditsFromStored(d.balanceAfter) + creditsFromStored(creditsCharged))
        : (previous?.stateAfter.balance ?? '0'),
    balanceAfter: paidByPool === null ? d.balanceAfter : (previous?.stateAfter.balance ?? '0'),
    paidBy:
      paidByPool === null
        ? allocations.map((a) => ({
            ...(grants.get(a.grantId) ?? unknownGrant(a.grantId)),
            drawn: a.credits,
          }))
        : [],
    pool: paidByPool === null ? null : { ...paidByPool, allocations, openAfter: d.balanceAfter },
    // Allowance is counted against every window of the product, so each one moved by the same units.
    windows: d.windows.map((w) => ({
      product: w.product,
      window: w.window,
      limit: w.limit,
      usedBefore: w.used - allowanceUnits,
      usedAfter: w.used,
      resetsAt: w.resetsAt,
    })),
    rejection:
      usage.event.type === 'UsageRejected'
        ? {
            reason: usage.event.data.reason,
            requiredCredits: usage.event.data.requiredCredits,
            allowanceBackAt: usage.event.data.resetsAt,
            spendingCap: previous?.stateAfter.spendingCap ?? null,
            ...organizationOfRejection(usage.event.data),
          }
        : null,
  };
}

function organizationOfRejection(d: UsageRejected['data']): {
  organization?: { organizationId: string; limitSource: string | null; limit: string | null };
} {
  if (d.organizationId === undefined) return {};
  return {
    organization: {
      organizationId: d.organizationId,
      limitSource: d.limitSource ?? null,
      limit: d.limit ?? null,
    },
  };
}

function purchaseFacts(event: CreditsPurchased): GrantFacts {
  const d = event.data;
  return {
    grantId: d.purchaseId,
    kind: 'purchase',
    credits: d.credits,
    grantedAt: d.recordedAt,
    expiresAt: d.expiresAt,
    amountPaid: d.amountPaid,
  };
}

function promotionFacts(event: CreditsGranted): GrantFacts {
  const d = event.data;
  return {
    grantId: d.grantId,
    kind: 'promotional',
    credits: d.credits,
    grantedAt: d.recordedAt,
    expiresAt: d.expiresAt,
    amountPaid: null,
  };
}

function unknownGrant(grantId: string): GrantFacts {
  return { grantId, kind: 'purchase', credits: '?', grantedAt: '?', expiresAt: null, amountPaid: null };
}
