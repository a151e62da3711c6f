import { formatCredits } from '../credits';
import { conflict, invalid, notFound } from '../errors';
import { idempotencyKeys } from '../idempotency';
import { refundAmountMinor } from '../refund';
import { DAY_MS, isoOf } from '../time';
import type { GrantCredits, PurchaseCredits, RefundPurchase } from './commands';
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
  const faults: Faults = [];
  checkId(faults, 'purchaseId', data.purchaseId);
  const credits = checkCreditsAmount(faults, 'credits', data.credits);
  checkMoney(faults, data.amountPaid);
  const expiresAt = checkExpiresAt(faults, data.expiresAt, metadata.now);
  const products = checkProducts(faults, data.products, context.rateCard);
  const defaultExpiryDays = context.rateCard.credits.defaultExpiryDays;
  const defaultExpiry = metadata.now + defaultExpiryDays * DAY_MS;
  if (expiresAt === null && data.expiresAt === undefined) {
    checkDerivedTime(faults, 'expiresAt', defaultExpiry, `the default expiry (${defaultExpiryDays} days on)`);
  }
  if (faults.length > 0) return failure(invalid(faults));
  const taken = idTakenByOtherKind(state, data.purchaseId, 'purchase');
  if (taken !== null) return taken;
  return events({
    type: 'CreditsPurchased',
    data: stamped(data.accountId, metadata, context, {
      purchaseId: data.purchaseId,
      fingerprint: metadata.fingerprint,
      credits: formatCredits(credits),
      amountPaid: { amountMinor: data.amountPaid.amountMinor, currency: data.amountPaid.currency },
      expiresAt: isoOf(expiresAt ?? defaultExpiry),
      products,
      priority: DEFAULT_PRIORITY,
    }),
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
  const faults: Faults = [];
  checkId(faults, 'grantId', data.grantId);
  const credits = checkCreditsAmount(faults, 'credits', data.credits);
  checkText(faults, 'reason', data.reason);
  if (data.priority !== undefined) checkIntegerRange(faults, 'priority', data.priority, 0, 1000);
  const expiresAt = checkExpiresAt(faults, data.expiresAt, metadata.now);
  const products = checkProducts(faults, data.products, context.rateCard);
  if (faults.length > 0) return failure(invalid(faults));
  const taken = idTakenByOtherKind(state, data.grantId, 'promotional');
  if (taken !== null) return taken;
  return events({
    type: 'CreditsGranted',
    data: stamped(data.accountId, metadata, context, {
      grantId: data.grantId,
      fingerprint: metadata.fingerprint,
      credits: formatCredits(credits),
      reason: data.reason,
      expiresAt: expiresAt === null ? null : isoOf(expiresAt),
      products,
      priority: data.priority ?? DEFAULT_PRIORITY,
    }),
  });
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
