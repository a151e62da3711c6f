import {
  formatCredits,
  liveWindows,
  planOf,
  productWindowView,
  windowSnapshot,
  windowView,
  type EpochMs,
  type GlobalLimitsReset,
  type ProductWindowView,
  type RateCard,
} from '@ledger/domain';
import { balanceAt, type TimelineState } from './timeline-state';

/** The `stateAfter` / `stateAsOf` of the timeline API. */
export interface TimelineStateView {
  readonly plan: string | null;
  readonly spendingCap: string | null;
  readonly balance: string;
  /** As in the account view: a retired product's windows are marked `retired: true`, nothing remaining. */
  readonly windows: readonly ProductWindowView[];
  readonly grants: readonly { readonly grantId: string; readonly remaining: string }[];
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
          liveWindows(state.windows, product, entry.windows, plan, at, resetsByThen).map((w) =>
            productWindowView(windowView(windowSnapshot(w)), rateCard),
          ),
        );
  return {
    plan,
    spendingCap: state.spendingCap,
    balance: formatCredits(balanceAt(state, at)),
    windows,
    grants: state.grants
      .filter((g) => (g.expiresAt === null || at < g.expiresAt) && g.remaining !== '0')
      .map((g) => ({ grantId: g.grantId, remaining: g.remaining })),
  };
}
