import { usedPercent } from '../windows';
import { creditsFromStored, formatCredits } from '../credits';
import type { HoldSettled } from '../holds/events';
import type { Allocation, RejectionReason, UsageRecorded, UsageRejected, WindowSnapshot } from './events';

/** A window in an answer: `held` always there (0 for events recorded before holds existed). */
export type WindowView = Omit<WindowSnapshot, 'held'> & {
  readonly held: number;
  readonly usedPercent: number;
};

/** `credits` of an answer: what can still be drawn, and what open holds keep (API.md "Holds and reversals"). */
export interface CreditsView {
  readonly balance: string;
  readonly held: string;
}

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
  readonly credits: CreditsView;
  readonly recordedAt: string;
  /** A member's usage refused by its organisation (SPEC §7): where the limit comes from, and the limit. */
  readonly limitSource?: 'member' | 'group' | 'default' | null;
  readonly limit?: string | null;
}

/** Spelled out, not spread (V8's slow path; this runs for every usage answered), in API.md order. */
export function windowView(w: WindowSnapshot): WindowView {
  return {
    product: w.product,
    window: w.window,
    used: w.used,
    held: w.held ?? 0,
    limit: w.limit,
    remaining: w.remaining,
    startedAt: w.startedAt,
    resetsAt: w.resetsAt,
    usedPercent: usedPercent(w.used, w.limit),
  };
}

/** The `credits` of an answer from an event's `balanceAfter`/`heldAfter` (absent before holds: "0"). */
export const creditsViewOf = (d: { balanceAfter: string; heldAfter?: string }): CreditsView => ({
  balance: d.balanceAfter,
  held: d.heldAfter ?? '0',
});

/**
 * Rebuilt from the event alone, so a replayed request answers exactly what the first one did. A
 * settlement (HoldSettled) is a usage: `charged` is what it cost in all — consumed from its hold
 * plus charged beyond it, one allocation per grant in burn order (the hold's first).
 */
export function usageOutcomeOf(event: UsageRecorded | UsageRejected | HoldSettled): UsageOutcome {
  if (event.type === 'HoldSettled') return settledUsageOf(event);
  const d = event.data;
  const rejected = event.type === 'UsageRejected' ? event.data : null;
  const recorded = event.type === 'UsageRecorded' ? event.data : null;
  // Keys in API.md order, so a serialised outcome reads like the contract.
  const outcome: UsageOutcome = {
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
    credits: creditsViewOf(d),
    recordedAt: d.recordedAt,
  };
  if (rejected?.reason !== 'member_limit_reached') return outcome;
  return { ...outcome, limitSource: rejected.limitSource ?? null, limit: rejected.limit ?? null };
}

function settledUsageOf(event: HoldSettled): UsageOutcome {
  const d = event.data;
  const credits = creditsFromStored(d.consumed.credits) + creditsFromStored(d.charged.credits);
  return {
    usageId: d.usageId,
    accountId: d.accountId,
    outcome: 'accepted',
    reason: null,
    charged: {
      allowanceUnits: d.consumed.allowanceUnits + d.charged.allowanceUnits,
      credits: formatCredits(credits),
      allocations: mergedByGrant([...d.consumed.allocations, ...d.charged.allocations]),
    },
    requiredCredits: null,
    resetsAt: null,
    windows: d.windows.map(windowView),
    credits: creditsViewOf(d),
    recordedAt: d.recordedAt,
  };
}

/** One allocation per grant, at the place of its first appearance (burn order kept). */
export function mergedByGrant(allocations: readonly Allocation[]): Allocation[] {
  if (allocations.length < 2) return [...allocations];
  const byGrant = new Map<string, bigint>();
  for (const a of allocations)
    byGrant.set(a.grantId, (byGrant.get(a.grantId) ?? 0n) + creditsFromStored(a.credits));
  return [...byGrant].map(([grantId, c]) => ({ grantId, credits: formatCredits(c) }));
}
