import { evaluateUsage } from '../account/decide-usage';
import { events, failure, repeatOf, stamped, type Decision, type DecisionContext } from '../account/decision';
import type { AccountState, GrantState, OpenWindow } from '../account/state';
import { checkDerivedTime, checkId, checkIntegerRange, type Faults } from '../account/validate';
import { balanceOf } from '../allocate-credits';
import { formatCredits, type Credits } from '../credits';
import { conflict, invalid } from '../errors';
import { idempotencyKeys } from '../idempotency';
import { isoOf, utcMonthOf } from '../time';
import type { WindowSnapshot } from '../account/events';
import { planProductOf } from '../rate-card';
import { liveWindows, windowSnapshot, type CurrentWindow } from '../windows';
import { DEFAULT_HOLD_TTL_SECONDS, MAX_HOLD_TTL_SECONDS, MAX_OPEN_HOLDS, type PlaceHold } from './commands';
import type { HeldWindow } from './events';
import { heldCredits, holdStatusOf, snapshotsWithoutHeld, withHoldsApplied } from './state';
import { checkLines, checkProduct } from './validate-lines';

/**
 * PlaceHold (SPEC §6): decided exactly like usage of its lines, one line after the other on the
 * state the previous lines would leave (allowance from every window, then credits in burn order,
 * plan and cap rules, on the state with other holds' amounts taken out), but nothing is consumed:
 * the units and credits become held. All lines or none: the first line that cannot be covered
 * rejects the hold (HoldRejected, replayed on retry like UsageRejected).
 */
export function decidePlaceHold(command: PlaceHold, state: AccountState, context: DecisionContext): Decision {
  const { data, metadata } = command;
  const repeat = repeatOf(state.idempotency, idempotencyKeys.hold(data.holdId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const faults: Faults = [];
  checkId(faults, 'holdId', data.holdId);
  checkProduct(faults, context.rateCard, data.product);
  const ttl = data.ttlSeconds ?? DEFAULT_HOLD_TTL_SECONDS;
  checkIntegerRange(faults, 'ttlSeconds', ttl, 1, MAX_HOLD_TTL_SECONDS);
  const expiresAt = metadata.now + ttl * 1000;
  if (faults.length === 0) checkDerivedTime(faults, 'ttlSeconds', expiresAt, 'the hold expiry');
  const lines = faults.length === 0 ? checkLines(faults, context.rateCard, data.product, data.lines) : [];
  if (faults.length > 0) return failure(invalid(faults));
  // The key answers a repeat; when it is not in state (the shell keeps older keys in its own
  // index) the hold itself still is: never place a second hold under an id, which would replace
  // the open one and lose what it holds.
  const status = holdStatusOf(state, data.holdId);
  if (status !== undefined) return failure(conflict(`hold "${data.holdId}" already exists (${status})`));
  // After lazy expiry (decide expires due holds before this runs): only holds still open count.
  if (state.holds.size >= MAX_OPEN_HOLDS)
    return failure(
      conflict(
        `account "${data.accountId}" has ${state.holds.size} open holds, the most an account may have: settle or release one (or let one expire) before placing another; nothing was recorded`,
      ),
    );

  const stamp = { fingerprint: metadata.fingerprint, plan: state.plan ?? '', product: data.product };
  const request = { holdId: data.holdId, ...stamp, lines: lines.map((l) => l.line) };
  const before = withHoldsApplied(state, metadata.now);
  const held0 = heldCredits(state.holds);
  let view = before;
  let units = 0;
  let credits: Credits = 0n;
  let charged: readonly CurrentWindow[] = [];
  const held = new Map<string, Credits>();
  for (const { line } of lines) {
    const result = evaluateUsage(
      view,
      { usageId: data.holdId, accountId: data.accountId, product: data.product, ...line },
      metadata.now,
      context,
    );
    if (!result.ok) return failure(result.error);
    const e = result.evaluation;
    if (!e.accepted) {
      return events({
        type: 'HoldRejected',
        data: stamped(data.accountId, metadata, context, request, {
          reason: e.reason,
          requiredCredits: formatCredits(credits + e.price.overageCredits),
          resetsAt: e.resetsAt === null ? null : isoOf(e.resetsAt),
          // The state before the hold, not after the lines before the one that failed.
          windows: productSnapshots(state, before, data.product, 0, context, metadata.now),
          balanceAfter: formatCredits(balanceOf(state.grants, metadata.now)),
          heldAfter: formatCredits(held0),
        }),
      });
    }
    units += e.price.allowanceUnits;
    credits += e.price.overageCredits;
    for (const a of e.allocations) held.set(a.grantId, (held.get(a.grantId) ?? 0n) + a.credits);
    if (e.price.allowanceUnits > 0) charged = e.windows;
    view = afterLine(view, e.windows, e.allocations, e.price.overageCredits, metadata.now);
  }
  return events({
    type: 'HoldPlaced',
    data: stamped(data.accountId, metadata, context, request, {
      expiresAt: isoOf(expiresAt),
      allowanceUnits: units,
      heldIn: units === 0 ? [] : heldWindowsOf(charged),
      credits: formatCredits(credits),
      allocations: [...held].map(([grantId, c]) => ({ grantId, credits: formatCredits(c) })),
      windows: productSnapshots(state, view, data.product, units, context, metadata.now),
      balanceAfter: formatCredits(balanceOf(state.grants, metadata.now) - credits),
      heldAfter: formatCredits(held0 + credits),
    }),
  });
}

const heldWindowsOf = (charged: readonly CurrentWindow[]): HeldWindow[] =>
  charged.flatMap((w) =>
    w.open === null
      ? []
      : [{ window: w.rule.name, startedAt: isoOf(w.open.startedAt), resetsAt: isoOf(w.open.resetsAt) }],
  );

/**
 * The product's windows in `view` (a decision view: held units counted in `used`) as an event
 * records them: `used` the real used, `held` the units open holds keep there — the holds of
 * `state`, plus `ownUnits` of the hold being placed, held in every window of the product.
 */
function productSnapshots(
  state: AccountState,
  view: AccountState,
  product: string,
  ownUnits: number,
  context: DecisionContext,
  now: number,
): readonly WindowSnapshot[] {
  const plan = state.plan ?? '';
  const rules = planProductOf(context.rateCard, plan, product).windows;
  const current = liveWindows(view.windows, product, rules, plan, now, context.resets);
  return snapshotsWithoutHeld(state, current.map(windowSnapshot), now, context.resets).map((w) =>
    ownUnits === 0 || w.startedAt === null
      ? w
      : { ...w, used: w.used - ownUnits, held: (w.held ?? 0) + ownUnits },
  );
}

/** The view after one line: its units counted in the windows, its credits off the grants and into the month. */
function afterLine(
  view: AccountState,
  windows: readonly CurrentWindow[],
  allocations: readonly { grantId: string; credits: Credits }[],
  overage: Credits,
  now: number,
): AccountState {
  const opened: OpenWindow[] = view.windows.filter(
    (w) => !windows.some((c) => c.product === w.product && c.rule.name === w.name),
  );
  for (const w of windows) if (w.open !== null) opened.push(w.open);
  const taken = new Map(allocations.map((a) => [a.grantId, a.credits]));
  const grants: GrantState[] = view.grants.map((g) => {
    const c = taken.get(g.grantId);
    return c === undefined ? g : { ...g, remaining: g.remaining - c };
  });
  const month = utcMonthOf(now);
  const spent = view.monthSpend.month === month ? view.monthSpend.credits : 0n;
  return { ...view, windows: opened, grants, monthSpend: { month, credits: spent + overage } };
}
