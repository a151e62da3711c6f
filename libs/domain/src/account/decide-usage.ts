import { allocateCredits, balanceOf, type CreditAllocation } from '../allocate-credits';
import { formatCredits, type Credits } from '../credits';
import { invalid, type DomainError } from '../errors';
import { idempotencyKeys } from '../idempotency';
import { MAX_QUANTITY } from '../ids';
import {
  operationChoices,
  operationOf,
  planProductOf,
  productChoices,
  productOf,
  type Operation,
} from '../rate-card';
import { spentThisMonth, wouldPassCap } from '../spending-cap';
import { DAY_MS, isoOf, MINUTE_MS, type EpochMs } from '../time';
import { priceUsage, type UsagePrice } from '../usage-pricing';
import {
  allowanceRemaining,
  allowanceResetsAt,
  chargeWindows,
  liveWindows,
  windowSnapshot,
  type CurrentWindow,
} from '../windows';
import type { RecordUsage, RecordUsageData } from './commands';
import { events, failure, repeatOf, type Decision, type DecisionContext } from './decision';
import type { RejectionReason, UsageFacts } from './events';
import type { AccountState } from './state';
import { heldCredits } from '../holds/state';
import { checkDerivedTime, checkId, checkInstant, checkIntegerRange, type Faults } from './validate';

/** occurredAt is the caller's clock: accepted up to 5 minutes ahead and 35 days behind the ledger's. */
export const OCCURRED_AT_MAX_AHEAD_MS = 5 * MINUTE_MS;
export const OCCURRED_AT_MAX_BEHIND_MS = 35 * DAY_MS;

export type UsageEvaluation =
  | {
      readonly accepted: true;
      readonly operation: Operation;
      readonly price: UsagePrice;
      readonly windows: readonly CurrentWindow[];
      readonly allocations: readonly CreditAllocation[];
      readonly balanceAfter: Credits;
    }
  | {
      readonly accepted: false;
      readonly operation: Operation;
      readonly price: UsagePrice;
      readonly windows: readonly CurrentWindow[];
      readonly reason: RejectionReason;
      readonly resetsAt: EpochMs | null;
      readonly balanceAfter: Credits;
    };

/**
 * The pricing decision for one usage on an open account, without idempotency or events: shared by
 * `decide` and the entitlement dry run. Rejection reasons, first match wins, from the most to the
 * least fundamental (what the client should tell the user):
 *   1. overage_not_allowed — the plan may not pay this product with credits; buying won't help;
 *   2. spending_cap_reached — the user's own cap forbids it; buying won't help either;
 *   3. insufficient_credits — applicable credits fall short; "Add credits" will help.
 */
export function evaluateUsage(
  state: AccountState,
  usage: RecordUsageData,
  now: EpochMs,
  context: DecisionContext,
):
  | { readonly ok: true; readonly evaluation: UsageEvaluation }
  | { readonly ok: false; readonly error: DomainError } {
  const faults = usageFaults(usage, now, context);
  const operation = operationOf(context.rateCard, usage.product, usage.operation);
  if (faults.length > 0 || operation === undefined) return { ok: false, error: invalid(faults) };

  const plan = state.plan ?? '';
  const entry = planProductOf(context.rateCard, plan, usage.product);
  const current = liveWindows(state.windows, usage.product, entry.windows, plan, now, context.resets);
  const price = priceUsage(operation, usage.quantity, allowanceRemaining(current));
  const balance = balanceOf(state.grants, now);
  // Credits-only operations are all overage, even when priced at zero.
  const hasOverage = price.overageUnits > 0 || operation.unitsPerQuantity === 0;
  const reject = (reason: RejectionReason) =>
    ({
      ok: true,
      evaluation: {
        accepted: false,
        operation,
        price,
        windows: current,
        reason,
        resetsAt: allowanceResetsAt(current, price.units),
        balanceAfter: balance,
      },
    }) as const;

  if (hasOverage && !entry.creditsAllowed) return reject('overage_not_allowed');
  if (wouldPassCap(state.spendingCap, spentThisMonth(state, now), price.overageCredits)) {
    return reject('spending_cap_reached');
  }
  const allocation = allocateCredits(state.grants, usage.product, now, price.overageCredits);
  if (!allocation.ok) return reject('insufficient_credits');
  const charged = chargeWindows(current, price.allowanceUnits, now);
  const endFaults = windowEndFaults(charged);
  if (endFaults.length > 0) return { ok: false, error: invalid(endFaults) };
  return {
    ok: true,
    evaluation: {
      accepted: true,
      operation,
      price,
      windows: charged,
      allocations: allocation.allocations,
      // All or nothing: the allocations add up to the overage exactly.
      balanceAfter: balance - price.overageCredits,
    },
  };
}

/** A window opened now must end within the ledger's range (its `resetsAt` is stored and read back). */
export function windowEndFaults(windows: readonly CurrentWindow[]): Faults {
  const faults: Faults = [];
  for (const w of windows) {
    if (w.open !== null) {
      checkDerivedTime(faults, 'product', w.open.resetsAt, `the end of the "${w.rule.name}" window`);
    }
  }
  return faults;
}

function usageFaults(usage: RecordUsageData, now: EpochMs, context: DecisionContext): Faults {
  const faults: Faults = [];
  checkId(faults, 'usageId', usage.usageId);
  checkIntegerRange(faults, 'quantity', usage.quantity, 1, MAX_QUANTITY);
  const product = productOf(context.rateCard, usage.product);
  if (product === undefined) faults.push({ field: 'product', message: productChoices(context.rateCard) });
  else if (product.retired)
    faults.push({ field: 'product', message: `product "${usage.product}" is retired` });
  else if (operationOf(context.rateCard, usage.product, usage.operation) === undefined) {
    faults.push({ field: 'operation', message: operationChoices(context.rateCard, usage.product) });
  }
  if (usage.surface !== undefined && (typeof usage.surface !== 'string' || usage.surface.length > 128)) {
    faults.push({ field: 'surface', message: 'must be a string of at most 128 chars' });
  }
  if (usage.occurredAt !== undefined) {
    const at = checkInstant(faults, 'occurredAt', usage.occurredAt);
    if (at === null) return faults;
    if (at > now + OCCURRED_AT_MAX_AHEAD_MS) {
      faults.push({ field: 'occurredAt', message: 'is more than 5 minutes ahead of the ledger clock' });
    } else if (at < now - OCCURRED_AT_MAX_BEHIND_MS) {
      faults.push({ field: 'occurredAt', message: 'is more than 35 days behind the ledger clock' });
    }
  }
  return faults;
}

export function decideRecordUsage(
  command: RecordUsage,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const repeat = repeatOf(state.idempotency, idempotencyKeys.usage(data.usageId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const result = evaluateUsage(state, data, metadata.now, context);
  if (!result.ok) return failure(result.error);
  const { evaluation } = result;
  const { price } = evaluation;
  // One literal, then the outcome's fields (V8 keeps a literal plus a few fields in fast mode).
  const facts = usageFactsOf(command, state, evaluation, context);
  if (!evaluation.accepted) {
    return events({
      type: 'UsageRejected',
      data: Object.assign(facts, {
        reason: evaluation.reason,
        overageUnits: price.overageUnits,
        requiredCredits: formatCredits(price.overageCredits),
        resetsAt: evaluation.resetsAt === null ? null : isoOf(evaluation.resetsAt),
      }),
    });
  }
  return events({
    type: 'UsageRecorded',
    data: Object.assign(facts, {
      allowanceUnits: price.allowanceUnits,
      overageUnits: price.overageUnits,
      creditsCharged: formatCredits(price.overageCredits),
      allocations: evaluation.allocations.map((a) => ({
        grantId: a.grantId,
        credits: formatCredits(a.credits),
      })),
    }),
  });
}

/** What both outcomes record, stamp first, in the stored order (which event ids hash). */
function usageFactsOf(
  { data, metadata }: RecordUsage,
  state: AccountState,
  evaluation: UsageEvaluation,
  context: DecisionContext,
): UsageFacts {
  return {
    accountId: data.accountId,
    recordedAt: isoOf(metadata.now),
    rateCardVersion: context.rateCard.version,
    actor: metadata.actor,
    usageId: data.usageId,
    fingerprint: metadata.fingerprint,
    plan: state.plan ?? '',
    product: data.product,
    operation: data.operation,
    quantity: data.quantity,
    surface: data.surface ?? null,
    occurredAt: data.occurredAt ?? null,
    metadata: data.metadata ?? null,
    unitsPerQuantity: evaluation.operation.unitsPerQuantity,
    creditsPerQuantity: formatCredits(evaluation.operation.creditsPerQuantity),
    units: evaluation.price.units,
    windows: evaluation.windows.map(windowSnapshot),
    balanceAfter: formatCredits(evaluation.balanceAfter),
    // A usage neither holds nor releases: what open holds keep stays as it was.
    heldAfter: formatCredits(heldCredits(state.holds)),
  };
}
