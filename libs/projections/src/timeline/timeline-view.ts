import {
  creditsFromStored,
  formatCredits,
  msFromStored,
  liveWindows,
  planOf,
  productWindowView,
  windowSnapshot,
  windowView,
  type EpochMs,
  type GlobalLimitsReset,
  type OpenWindow,
  type ProductWindowView,
  type RateCard,
  type WindowSnapshot,
} from '@ledger/domain';
import { balanceAt, type TimelineState } from './timeline-state';

/** The `stateAfter` / `stateAsOf` of the timeline API. */
export interface TimelineStateView {
  readonly plan: string | null;
  /** Present while the account is a member of an organisation (its plan is then the organisation's). */
  readonly organizationId?: string;
  readonly spendingCap: string | null;
  readonly balance: string;
  /** Credits kept by open holds (not in `balance`). */
  readonly held: string;
  /** As in the account view: a retired product's windows are marked `retired: true`, nothing remaining. */
  readonly windows: readonly ProductWindowView[];
  readonly grants: readonly { readonly grantId: string; readonly remaining: string; readonly held: string }[];
}

/**
 * Renders a stored state as it stood at instant `at`: windows that had ended or been voided by a
 * global reset by then read as not started, and grants expired by then count for nothing. Limits
 * come from the plan in the rate card, as for the live account view.
 */
export function renderTimelineState(
  state: TimelineState,
  at: EpochMs,
  rateCard: RateCard,
  resets: readonly GlobalLimitsReset[],
): TimelineStateView {
  const plan = state.plan;
  const resetsByThen = resets.filter((r) => r.resetAt <= at);
  const windows =
    plan === null
      ? []
      : Object.entries(planOf(rateCard, plan)?.products ?? {}).flatMap(([product, entry]) =>
          liveWindows(withHeldUnits(state), product, entry.windows, plan, at, resetsByThen).map((w) =>
            productWindowView(windowView(splitHeld(state, windowSnapshot(w))), rateCard),
          ),
        );
  return {
    plan,
    ...(state.organizationId === undefined ? {} : { organizationId: state.organizationId }),
    spendingCap: state.spendingCap,
    balance: formatCredits(balanceAt(state, at)),
    held: formatCredits(state.grants.reduce((sum, g) => sum + creditsFromStored(g.held ?? '0'), 0n)),
    windows,
    grants: state.grants
      .map((g) => ({
        grantId: g.grantId,
        remaining: g.expiresAt === null || at < g.expiresAt ? g.remaining : '0',
        held: g.held ?? '0',
      }))
      .filter((g) => g.remaining !== '0' || g.held !== '0'),
  };
}

/** Units open holds keep in the window instance (product, name, startedAt), as the decider counts them. */
function heldUnitsIn(state: TimelineState, product: string, name: string, startedAt: EpochMs): number {
  let held = 0;
  for (const hold of state.holds ?? [])
    if (hold.product === product && hold.windows.some((w) => w.name === name && w.startedAt === startedAt))
      held += hold.allowanceUnits;
  return held;
}

/** Windows as the decider decides on them: used + held (so `remaining` = limit − used − held). */
function withHeldUnits(state: TimelineState): readonly OpenWindow[] {
  if ((state.holds ?? []).length === 0) return state.windows;
  return state.windows.map((w) => ({
    ...w,
    used: w.used + heldUnitsIn(state, w.product, w.name, w.startedAt),
  }));
}

/** Splits a snapshot decided on `withHeldUnits` back into the real `used` and `held`. */
function splitHeld(state: TimelineState, w: WindowSnapshot): WindowSnapshot {
  if (w.startedAt === null) return w;
  const held = heldUnitsIn(state, w.product, w.window, msFromStored(w.startedAt));
  return held === 0 ? w : { ...w, used: w.used - held, held };
}
