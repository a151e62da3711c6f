import { formatCredits } from '../credits';
import { conflict, invalid, notFound } from '../errors';
import { idempotencyKeys } from '../idempotency';
import { refundAmountMinor } from '../refund';
import { DAY_MS, isoOf } from '../time';
import type { RateCard } from '../rate-card';
import type { CommandMetadata, GrantCredits, PurchaseCredits, RefundPurchase } from './commands';
import { events, failure, repeatOf, stamped, type Decision, type DecisionContext } from './decision';
import { grantOf, type AccountState } from './state';
import {
  checkCreditsAmount,
  checkDerivedTime,
  checkExpiresAt,
  checkId,
  checkIntegerRange,
  checkMoney,
  checkProducts,
  checkText,
  type Faults,
} from './validate';

/** Purchases carry no priority of their own: they burn at the default, after cheaper promotions. */
export const DEFAULT_PRIORITY = 100;

/** Either the faults of the request, or the fields its event records (before the stamp). */
type Intake<F> = { readonly faults: Faults } | { readonly fields: F };

/**
 * A purchase's fields checked, and what its event records: the same for an account and an
 * organisation's pool (whose decider calls it too). Without an expiry, the rate card's default.
 */
export function purchaseIntake(
  data: Omit<PurchaseCredits['data'], 'accountId'>,
  metadata: CommandMetadata,
  rateCard: RateCard,
) {
  const faults: Faults = [];
  checkId(faults, 'purchaseId', data.purchaseId);
  const credits = checkCreditsAmount(faults, 'credits', data.credits);
  checkMoney(faults, data.amountPaid);
  const expiresAt = checkExpiresAt(faults, data.expiresAt, metadata.now);
  const products = checkProducts(faults, data.products, rateCard);
  const defaultExpiryDays = rateCard.credits.defaultExpiryDays;
  const defaultExpiry = metadata.now + defaultExpiryDays * DAY_MS;
  if (expiresAt === null && data.expiresAt === undefined) {
    checkDerivedTime(faults, 'expiresAt', defaultExpiry, `the default expiry (${defaultExpiryDays} days on)`);
  }
  const fields = {
    purchaseId: data.purchaseId,
    fingerprint: metadata.fingerprint,
    credits: formatCredits(credits),
    amountPaid: { amountMinor: data.amountPaid.amountMinor, currency: data.amountPaid.currency },
    expiresAt: isoOf(expiresAt ?? defaultExpiry),
    products,
    priority: DEFAULT_PRIORITY,
  };
  return (faults.length > 0 ? { faults } : { fields }) as Intake<typeof fields>;
}

/** A promotional grant's fields checked, and what its event records (account or pool alike). */
export function grantIntake(
  data: Omit<GrantCredits['data'], 'accountId'>,
  metadata: CommandMetadata,
  rateCard: RateCard,
) {
  const faults: Faults = [];
  checkId(faults, 'grantId', data.grantId);
  const credits = checkCreditsAmount(faults, 'credits', data.credits);
  checkText(faults, 'reason', data.reason);
  if (data.priority !== undefined) checkIntegerRange(faults, 'priority', data.priority, 0, 1000);
  const expiresAt = checkExpiresAt(faults, data.expiresAt, metadata.now);
  const products = checkProducts(faults, data.products, rateCard);
  const fields = {
    grantId: data.grantId,
    fingerprint: metadata.fingerprint,
    credits: formatCredits(credits),
    reason: data.reason,
    expiresAt: expiresAt === null ? null : isoOf(expiresAt),
    products,
    priority: data.priority ?? DEFAULT_PRIORITY,
  };
  return (faults.length > 0 ? { faults } : { fields }) as Intake<typeof fields>;
}

/**
 * Purchases and promotional grants share one id space (allocations name a grant by id alone), so
 * an id already taken by the other kind is a conflict, not a new grant.
 */
function idTakenByOtherKind(
  state: AccountState,
  id: string,
  kind: 'purchase' | 'promotional',
): Decision | null {
  const existing = grantOf(state, id);
  return existing !== undefined && existing.kind !== kind
    ? failure(conflict(`grant id "${id}" is already used by a ${existing.kind}`))
    : null;
}

export function decidePurchaseCredits(
  command: PurchaseCredits,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const repeat = repeatOf(state.idempotency, idempotencyKeys.purchase(data.purchaseId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const intake = purchaseIntake(data, metadata, context.rateCard);
  if ('faults' in intake) return failure(invalid(intake.faults));
  const taken = idTakenByOtherKind(state, data.purchaseId, 'purchase');
  if (taken !== null) return taken;
  return events({
    type: 'CreditsPurchased',
    data: stamped(data.accountId, metadata, context, intake.fields),
  });
}

/** Promotional credits: no payment, an optional priority, and no expiry unless one is given. */
export function decideGrantCredits(
  command: GrantCredits,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const repeat = repeatOf(state.idempotency, idempotencyKeys.grant(data.grantId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const intake = grantIntake(data, metadata, context.rateCard);
  if ('faults' in intake) return failure(invalid(intake.faults));
  const taken = idTakenByOtherKind(state, data.grantId, 'promotional');
  if (taken !== null) return taken;
  return events({ type: 'CreditsGranted', data: stamped(data.accountId, metadata, context, intake.fields) });
}

/**
 * Refunds the unused remainder of a purchase, once. Credits already written off by expiry are
 * not refundable (the remainder is then 0 and the refund only closes the purchase).
 */
export function decideRefundPurchase(
  command: RefundPurchase,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const repeat = repeatOf(state.idempotency, idempotencyKeys.refund(data.refundId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const faults: Faults = [];
  checkId(faults, 'refundId', data.refundId);
  checkId(faults, 'purchaseId', data.purchaseId);
  checkText(faults, 'reason', data.reason);
  if (faults.length > 0) return failure(invalid(faults));
  const purchase = grantOf(state, data.purchaseId);
  if (purchase === undefined || purchase.kind !== 'purchase' || purchase.amountPaid === null) {
    return failure(notFound(`purchase "${data.purchaseId}" not found on account "${data.accountId}"`));
  }
  if (purchase.status === 'refunded') {
    return failure(conflict(`purchase "${data.purchaseId}" is already refunded`));
  }
  const remaining = purchase.status === 'open' ? purchase.remaining : 0n;
  return events({
    type: 'PurchaseRefunded',
    data: stamped(data.accountId, metadata, context, {
      refundId: data.refundId,
      purchaseId: data.purchaseId,
      fingerprint: metadata.fingerprint,
      reason: data.reason,
      credits: formatCredits(remaining),
      amountRefunded: {
        amountMinor: refundAmountMinor(purchase.amountPaid.amountMinor, purchase.credits, remaining),
        currency: purchase.amountPaid.currency,
      },
    }),
  });
}
