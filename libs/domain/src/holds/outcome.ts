import type { Allocation, RejectionReason } from '../account/events';
import {
  creditsViewOf,
  usageOutcomeOf,
  windowView,
  type CreditsView,
  type UsageOutcome,
  type WindowView,
} from '../account/usage-outcome';
import type { HoldExpired, HoldPlaced, HoldRejected, HoldReleased, HoldSettled } from './events';

/**
 * The answers of the hold commands (API.md "Holds and reversals"), minus `position`, which only the
 * shell knows. Each is rebuilt from its event alone, so a replayed request answers exactly what the
 * first one did. Keys in API.md order.
 */

/** What a hold keeps: allowance units, and credits per grant in burn order. */
export interface HeldAmounts {
  readonly allowanceUnits: number;
  readonly credits: string;
  readonly allocations: readonly Allocation[];
}

/** 201 for PlaceHold. */
export interface HoldPlacedOutcome {
  readonly holdId: string;
  readonly accountId: string;
  readonly outcome: 'held';
  readonly status: 'held';
  readonly held: HeldAmounts;
  readonly expiresAt: string;
  /** The product's windows after: `held` counts this hold. */
  readonly windows: readonly WindowView[];
  readonly credits: CreditsView;
  readonly recordedAt: string;
}

/** 402 for PlaceHold (like a rejected usage; replayed on retry). */
export interface HoldRejectedOutcome {
  readonly holdId: string;
  readonly accountId: string;
  readonly outcome: 'rejected';
  readonly status: 'rejected';
  readonly reason: RejectionReason;
  readonly requiredCredits: string;
  readonly resetsAt: string | null;
  /** The product's windows as they were before the hold. */
  readonly windows: readonly WindowView[];
  readonly credits: CreditsView;
  readonly recordedAt: string;
}

export type HoldOutcome = HoldPlacedOutcome | HoldRejectedOutcome;

export function holdOutcomeOf(event: HoldPlaced | HoldRejected): HoldOutcome {
  const d = event.data;
  if (event.type === 'HoldRejected') {
    const r = event.data;
    return {
      holdId: r.holdId,
      accountId: r.accountId,
      outcome: 'rejected',
      status: 'rejected',
      reason: r.reason,
      requiredCredits: r.requiredCredits,
      resetsAt: r.resetsAt,
      windows: r.windows.map(windowView),
      credits: creditsViewOf(r),
      recordedAt: r.recordedAt,
    };
  }
  const p = event.data;
  return {
    holdId: d.holdId,
    accountId: d.accountId,
    outcome: 'held',
    status: 'held',
    held: { allowanceUnits: p.allowanceUnits, credits: p.credits, allocations: p.allocations },
    expiresAt: p.expiresAt,
    windows: p.windows.map(windowView),
    credits: creditsViewOf(p),
    recordedAt: p.recordedAt,
  };
}

/** What a hold gave up: units no longer held, and all its credits no longer held (written off ones too). */
export interface ReleasedAmounts {
  readonly allowanceUnits: number;
  readonly credits: string;
}

/**
 * 201 for SettleHold: the usage outcome of the settlement (`charged` = consumed from the hold +
 * charged beyond it), plus what the hold gave back and what could not be paid.
 */
export type SettlementOutcome = UsageOutcome & {
  readonly holdId: string;
  readonly released: ReleasedAmounts;
  /** Decimal string, "0" when all was paid; posted to `uncollected`, never a negative balance. */
  readonly uncollected: string;
  /** Why some was not paid (the first limit that bit), null when all was. */
  readonly uncollectedReason: RejectionReason | null;
};

export function settlementOutcomeOf(event: HoldSettled): SettlementOutcome {
  const d = event.data;
  return {
    ...usageOutcomeOf(event),
    holdId: d.holdId,
    released: { allowanceUnits: d.released.allowanceUnits, credits: d.released.credits },
    uncollected: d.uncollected.credits,
    uncollectedReason: d.uncollected.reason,
  };
}

/** 200 for ReleaseHold; also what an expiry did (`status: 'expired'`). */
export interface ReleaseOutcome {
  readonly holdId: string;
  readonly accountId: string;
  readonly status: 'released' | 'expired';
  readonly released: ReleasedAmounts;
}

export function releaseOutcomeOf(event: HoldReleased | HoldExpired): ReleaseOutcome {
  const d = event.data;
  return {
    holdId: d.holdId,
    accountId: d.accountId,
    status: event.type === 'HoldReleased' ? 'released' : 'expired',
    released: { allowanceUnits: d.released.allowanceUnits, credits: d.released.credits },
  };
}
