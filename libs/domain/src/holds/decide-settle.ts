import { events, failure, repeatOf, stamped, type Decision, type DecisionContext } from '../account/decision';
import type { RejectionReason, WindowSnapshot } from '../account/events';
import { windowEndFaults } from '../account/decide-usage';
import type { AccountState } from '../account/state';
import { checkId, type Faults } from '../account/validate';
import { allocateCredits, balanceOf, grantAppliesTo, isUsable } from '../allocate-credits';
import { creditsFromStored, formatCredits, type Credits } from '../credits';
import { invalid } from '../errors';
import { idempotencyKeys } from '../idempotency';
import { planProductOf } from '../rate-card';
import { spentThisMonth } from '../spending-cap';
import { priceUsage } from '../usage-pricing';
import {
  allowanceRemaining,
  chargeWindows,
  liveWindows,
  windowSnapshot,
  type CurrentWindow,
} from '../windows';
import type { SettleHold } from './commands';
import { openHoldOr, releasedOf } from './decide-release';
import { heldCredits, heldInSnapshot, withHoldsApplied, type HeldCredits, type HoldState } from './state';
import { isoOf } from '../time';
import { checkLines } from './validate-lines';

/**
 * SettleHold (SPEC §6): the actual usage of a held task. Each line is priced like usage against
 * the allowance the hold keeps plus the allowance free now; its allowance units come from the
 * hold first, then from the live windows; its overage credits from the held credits in their
 * order, then — beyond the hold — from the grants in burn order within the cap, as far as they
 * go. What cannot be paid is `uncollected` (the work was done): recorded with its reason, never a
 * negative balance. Whatever the hold kept and the usage did not need is released.
 */
export function decideSettleHold(
  command: SettleHold,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const now = metadata.now;
  const repeat = repeatOf(state.idempotency, idempotencyKeys.usage(data.usageId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const faults: Faults = [];
  checkId(faults, 'holdId', data.holdId);
  checkId(faults, 'usageId', data.usageId);
  const found = openHoldOr(state, data.holdId, data.accountId);
  const hold = 'hold' in found ? found.hold : undefined;
  const lines = hold === undefined ? [] : checkLines(faults, context.rateCard, hold.product, data.lines);
  if (faults.length > 0) return failure(invalid(faults));
  if (hold === undefined) return (found as { answer: Decision }).answer;

  const plan = state.plan ?? '';
  const entry = planProductOf(context.rateCard, plan, hold.product);
  const view = withHoldsApplied(state, now);
  let heldUnitsLeft = hold.allowanceUnits;
  let liveLeft = allowanceRemaining(
    liveWindows(view.windows, hold.product, entry.windows, plan, now, context.resets),
  );
  let fromHold = 0;
  let fromLive = 0;
  let units = 0;
  let overage: Credits = 0n;
  for (const { line, operation } of lines) {
    const price = priceUsage(operation, line.quantity, heldUnitsLeft + liveLeft);
    const held = Math.min(price.allowanceUnits, heldUnitsLeft);
    heldUnitsLeft -= held;
    liveLeft -= price.allowanceUnits - held;
    fromHold += held;
    fromLive += price.allowanceUnits - held;
    units += price.units;
    overage += price.overageCredits;
  }
  const consumed = consumeInOrder(hold.allocations, overage);
  const excess = overage - consumed.total;
  const payment = payExcess(state, hold, excess, consumed.total, entry.creditsAllowed, now);
  const windows = windowsAfter(state, hold, fromHold, fromLive, context, now);
  // A settlement may open a window (units beyond the hold): its end must be a time the ledger can store.
  const endFaults = windowEndFaults(windows);
  if (endFaults.length > 0) return failure(invalid(endFaults));
  return events({
    type: 'HoldSettled',
    data: stamped(data.accountId, metadata, context, {
      holdId: hold.holdId,
      usageId: data.usageId,
      fingerprint: metadata.fingerprint,
      plan,
      product: hold.product,
      lines: lines.map((l) => l.line),
      units,
      heldIn: hold.windows.map((w) => ({ window: w.name, startedAt: isoOf(w.startedAt) })),
      consumed: {
        allowanceUnits: fromHold,
        credits: formatCredits(consumed.total),
        allocations: consumed.taken.map(toAllocation),
      },
      charged: {
        allowanceUnits: fromLive,
        credits: formatCredits(payment.credits),
        allocations: payment.allocations.map(toAllocation),
      },
      released: releasedOf(state, consumed.left, hold.allowanceUnits - fromHold, now),
      uncollected: { credits: formatCredits(excess - payment.credits), reason: payment.shortBy },
      windows: windows.map((w) => withOthersHeld(windowSnapshot(w), state, hold, context, now)),
      // Released credits on open grants come back; the excess is drawn.
      balanceAfter: formatCredits(
        balanceOf(state.grants, now) + returnedTotal(state, consumed.left, now) - payment.credits,
      ),
      heldAfter: formatCredits(heldCredits(state.holds) - hold.credits),
    }),
  });
}

const toAllocation = (a: HeldCredits) => ({ grantId: a.grantId, credits: formatCredits(a.credits) });

/** The held credits taken for `amount`, in their order, and what is left of each. */
function consumeInOrder(allocations: readonly HeldCredits[], amount: Credits) {
  const taken: HeldCredits[] = [];
  const left: HeldCredits[] = [];
  let need = amount;
  let total: Credits = 0n;
  for (const a of allocations) {
    const take = a.credits < need ? a.credits : need;
    need -= take;
    total += take;
    if (take > 0n) taken.push({ grantId: a.grantId, credits: take });
    if (a.credits - take > 0n) left.push({ grantId: a.grantId, credits: a.credits - take });
  }
  return { taken, left, total };
}

/**
 * The part beyond the hold, paid like new usage at settle time as far as it can be: not at all
 * when the plan (now) forbids credits for the product; else up to the cap's headroom (the month's
 * spending, other open holds, and what this settlement consumes from its hold count), and up to
 * the credits that apply. The first limit that bites is the reason for the rest.
 */
function payExcess(
  state: AccountState,
  hold: HoldState,
  excess: Credits,
  consumed: Credits,
  creditsAllowed: boolean,
  now: number,
): { credits: Credits; allocations: readonly HeldCredits[]; shortBy: RejectionReason | null } {
  if (excess === 0n) return { credits: 0n, allocations: [], shortBy: null };
  if (!creditsAllowed) return { credits: 0n, allocations: [], shortBy: 'overage_not_allowed' };
  let payable = excess;
  let shortBy: RejectionReason | null = null;
  if (state.spendingCap !== null) {
    let otherHeld: Credits = 0n;
    for (const h of state.holds.values()) if (h.holdId !== hold.holdId) otherHeld += h.credits;
    const spent = spentThisMonth(state, now) + otherHeld + consumed;
    const headroom = state.spendingCap > spent ? state.spendingCap - spent : 0n;
    if (headroom < payable) {
      payable = headroom;
      shortBy = 'spending_cap_reached';
    }
  }
  let available: Credits = 0n;
  for (const g of state.grants)
    if (isUsable(g, now) && grantAppliesTo(g, hold.product)) available += g.remaining;
  if (available < payable) {
    payable = available;
    shortBy = shortBy ?? 'insufficient_credits';
  }
  const allocation = allocateCredits(state.grants, hold.product, now, payable);
  if (!allocation.ok) throw new Error('unreachable: payable is within the available credits');
  return { credits: payable, allocations: allocation.allocations, shortBy };
}

/**
 * The product's windows after: units consumed from the hold count as used in the window instance
 * they were held in if it is still live (a window that ended or was reset took them with it: the
 * allowance was promised by that window, none is taken from its successor); units beyond the
 * hold are charged to the live windows like usage.
 */
function windowsAfter(
  state: AccountState,
  hold: HoldState,
  fromHold: number,
  fromLive: number,
  context: DecisionContext,
  now: number,
): readonly CurrentWindow[] {
  const plan = state.plan ?? '';
  const rules = planProductOf(context.rateCard, plan, hold.product).windows;
  const current = liveWindows(state.windows, hold.product, rules, plan, now, context.resets).map((w) => {
    if (w.open === null || fromHold === 0) return w;
    const open = w.open;
    const heldHere = hold.windows.some((h) => h.name === open.name && h.startedAt === open.startedAt);
    return heldHere ? { ...w, open: { ...open, used: open.used + fromHold } } : w;
  });
  return chargeWindows(current, fromLive, now);
}

/**
 * A window after the settlement with the units the other open holds keep there (this one is
 * closed): only in a window that continues a live state instance, never in one opened now.
 */
function withOthersHeld(
  snapshot: WindowSnapshot,
  state: AccountState,
  hold: HoldState,
  context: DecisionContext,
  now: number,
): WindowSnapshot {
  const own = heldInSnapshot(
    { ...state, holds: new Map([[hold.holdId, hold]]) },
    snapshot,
    now,
    context.resets,
  );
  const held = heldInSnapshot(state, snapshot, now, context.resets) - own;
  if (held === 0) return snapshot;
  const remaining = Math.max(0, snapshot.limit - snapshot.used - held);
  return { ...snapshot, held, remaining };
}

function returnedTotal(state: AccountState, left: readonly HeldCredits[], now: number): Credits {
  let total: Credits = 0n;
  for (const a of releasedOf(state, left, 0, now).allocations) total += creditsFromStored(a.credits);
  return total;
}
