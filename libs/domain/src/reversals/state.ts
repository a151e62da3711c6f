import type { HoldsDraft } from '../holds/state';
import { AppendOnlyIndex } from '../append-only-index';
import { DEFAULT_PRIORITY } from '../account/decide-credits';
import { creditsFromStored } from '../credits';
import { msFromStored, utcMonthOf } from '../time';
import type { UsageReversed } from './events';

/** usageId → reversalId of every usage reversed (at most once each); an AppendOnlyIndex in practice. */
export type ReversalsState = ReadonlyMap<string, string>;

export interface ReversalsDraft extends HoldsDraft {
  reversals: ReversalsState;
}

export function applyUsageReversed(draft: ReversalsDraft, event: UsageReversed): void {
  const d = event.data;
  const back = new Map(d.allocations.map((a) => [a.grantId, creditsFromStored(a.credits)]));
  draft.grants = draft.grants.map((g) => {
    const c = back.get(g.grantId);
    return c === undefined ? g : { ...g, remaining: g.remaining + c };
  });
  if (d.regranted !== null) {
    const credits = creditsFromStored(d.regranted.credits);
    draft.grants = [
      ...draft.grants,
      {
        grantId: d.regranted.grantId,
        kind: 'promotional',
        credits,
        remaining: credits,
        expiresAt: null,
        products: null,
        priority: DEFAULT_PRIORITY,
        grantedAt: msFromStored(d.recordedAt),
        status: 'open',
        amountPaid: null,
      },
    ];
  }
  draft.windows = draft.windows.map((w) => {
    const u = d.windows.find(
      (b) => w.product === d.product && b.window === w.name && msFromStored(b.startedAt) === w.startedAt,
    );
    return u === undefined ? w : { ...w, used: w.used - u.units };
  });
  const month = utcMonthOf(msFromStored(d.recordedAt));
  if (draft.monthSpend.month === month) {
    draft.monthSpend = { month, credits: draft.monthSpend.credits - creditsFromStored(d.monthCredits) };
  }
  // Appended in place when folding forward: no copy per reversal.
  draft.reversals = AppendOnlyIndex.from(draft.reversals).with(d.usageId, d.reversalId);
}
