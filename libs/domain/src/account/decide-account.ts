import { formatCredits, parseCredits } from '../credits';
import { conflict, invalid } from '../errors';
import { idempotencyKeys } from '../idempotency';
import { planChoices, planOf, productChoices, productOf } from '../rate-card';
import type { ChangePlan, OpenAccount, ResetAccountLimits, SetSpendingCap } from './commands';
import { events, failure, repeatOf, stamped, type Decision, type DecisionContext } from './decision';
import type { AccountState } from './state';
import { checkId, checkText, type Faults } from './validate';

/**
 * Idempotent by the opening payload: opening again with the plan the account was opened with
 * replays AccountOpened (revision 0), even after plan changes (a late retry gets the original
 * answer); any other plan is a conflict, the current one included (it was not this command).
 */
export function decideOpenAccount(
  command: OpenAccount,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  if (state.accountId !== null) {
    return state.openedWithPlan === data.plan
      ? { kind: 'replay', revision: 0 }
      : failure(
          conflict(`account "${state.accountId}" was already opened with plan "${state.openedWithPlan}"`),
        );
  }
  const faults: Faults = [];
  checkId(faults, 'accountId', data.accountId);
  if (planOf(context.rateCard, data.plan) === undefined) {
    faults.push({ field: 'plan', message: planChoices(context.rateCard) });
  }
  if (faults.length > 0) return failure(invalid(faults));
  return events({
    type: 'AccountOpened',
    data: stamped(data.accountId, metadata, context, {
      plan: data.plan,
      fingerprint: metadata.fingerprint,
    }),
  });
}

/**
 * The new plan's limits apply to the current windows at once: windows keep their start and their
 * used units, and limits are read from the plan at each decision. Same plan → nothing to append.
 */
export function decideChangePlan(
  command: ChangePlan,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  if (planOf(context.rateCard, data.plan) === undefined) {
    return failure(invalid([{ field: 'plan', message: planChoices(context.rateCard) }]));
  }
  if (state.plan === data.plan) return events();
  return events({
    type: 'PlanChanged',
    data: stamped(data.accountId, metadata, context, {
      from: state.plan ?? '',
      to: data.plan,
      fingerprint: metadata.fingerprint,
    }),
  });
}

/** Idempotent by value: setting the cap it already has appends nothing. A cap of "0" blocks all overage. */
export function decideSetSpendingCap(
  command: SetSpendingCap,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const cap = data.creditsPerMonth === null ? null : parseCredits(data.creditsPerMonth);
  if (data.creditsPerMonth !== null && cap === null) {
    return failure(
      invalid([
        {
          field: 'creditsPerMonth',
          message: 'must be null or a decimal string ≤ 1000000000 with at most 6 fractional digits',
        },
      ]),
    );
  }
  if (cap === state.spendingCap) return events();
  return events({
    type: 'SpendingCapSet',
    data: stamped(data.accountId, metadata, context, {
      creditsPerMonth: cap === null ? null : formatCredits(cap),
      previous: state.spendingCap === null ? null : formatCredits(state.spendingCap),
      fingerprint: metadata.fingerprint,
    }),
  });
}

/** Scope "account": voids this account's windows (optionally one product's); the next use opens new ones. */
export function decideResetAccountLimits(
  command: ResetAccountLimits,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const repeat = repeatOf(state.idempotency, idempotencyKeys.reset(data.resetId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const faults: Faults = [];
  checkId(faults, 'resetId', data.resetId);
  checkText(faults, 'reason', data.reason);
  if (data.product !== undefined && productOf(context.rateCard, data.product) === undefined) {
    faults.push({ field: 'product', message: productChoices(context.rateCard) });
  }
  if (faults.length > 0) return failure(invalid(faults));
  return events({
    type: 'AccountLimitsReset',
    data: stamped(data.accountId, metadata, context, {
      resetId: data.resetId,
      fingerprint: metadata.fingerprint,
      product: data.product ?? null,
      reason: data.reason,
    }),
  });
}
