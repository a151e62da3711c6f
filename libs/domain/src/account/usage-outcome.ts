import { usedPercent } from '../windows';
import type { Allocation, RejectionReason, UsageRecorded, UsageRejected, WindowSnapshot } from './events';

export type WindowView = WindowSnapshot & { readonly usedPercent: number };

/** API.md "Usage outcome", minus `position`, which only the shell knows (the global log position). */
export interface UsageOutcome {
  readonly usageId: string;
  readonly accountId: string;
  readonly outcome: 'accepted' | 'rejected';
  readonly reason: RejectionReason | null;
  readonly charged: {
    readonly allowanceUnits: number;
    readonly credits: string;
    readonly allocations: readonly Allocation[];
  };
  readonly requiredCredits: string | null;
  readonly resetsAt: string | null;
  readonly windows: readonly WindowView[];
  readonly credits: { readonly balance: string };
  readonly recordedAt: string;
}

/** Spelled out, not spread (V8's slow path; this runs for every usage answered), in API.md order. */
export function windowView(w: WindowSnapshot): WindowView {
  return {
    product: w.product,
    window: w.window,
    used: w.used,
    limit: w.limit,
    remaining: w.remaining,
    startedAt: w.startedAt,
    resetsAt: w.resetsAt,
    usedPercent: usedPercent(w.used, w.limit),
  };
}

/** Rebuilt from the event alone, so a replayed request answers exactly what the first one did. */
export function usageOutcomeOf(event: UsageRecorded | UsageRejected): UsageOutcome {
  const d = event.data;
  const rejected = event.type === 'UsageRejected' ? event.data : null;
  const recorded = event.type === 'UsageRecorded' ? event.data : null;
  // Keys in API.md order, so a serialised outcome reads like the contract.
  return {
    usageId: d.usageId,
    accountId: d.accountId,
    outcome: rejected === null ? 'accepted' : 'rejected',
    reason: rejected?.reason ?? null,
    charged: {
      allowanceUnits: recorded?.allowanceUnits ?? 0,
      credits: recorded?.creditsCharged ?? '0',
      allocations: recorded?.allocations ?? [],
    },
    requiredCredits: rejected?.requiredCredits ?? null,
    resetsAt: rejected?.resetsAt ?? null,
    windows: d.windows.map(windowView),
    credits: { balance: d.balanceAfter },
    recordedAt: d.recordedAt,
  };
}
