import type { Allocation } from '../account/events';
import type { UsageReversed } from './events';

/**
 * The answer of ReverseUsage (API.md "Holds and reversals"), minus `position`; rebuilt from the
 * event alone, so a replay answers what the first request did.
 */
export interface ReversalOutcome {
  readonly reversalId: string;
  readonly usageId: string;
  readonly accountId: string;
  readonly reversed: {
    /** The allowance units the usage drew (given back to those of its windows still live). */
    readonly allowanceUnits: number;
    /** All the usage's credits: back to `allocations`, and the rest as `regranted`. */
    readonly credits: string;
    /** Back to the grants the usage drew, where they are still open and unexpired. */
    readonly allocations: readonly Allocation[];
  };
  /** The part whose grant expired or was refunded since, as a new promotional grant; null when none. */
  readonly regranted: { readonly grantId: string; readonly credits: string } | null;
}

export function reversalOutcomeOf(event: UsageReversed): ReversalOutcome {
  const d = event.data;
  return {
    reversalId: d.reversalId,
    usageId: d.usageId,
    accountId: d.accountId,
    reversed: { allowanceUnits: d.allowanceUnits, credits: d.credits, allocations: d.allocations },
    regranted: d.regranted,
  };
}
