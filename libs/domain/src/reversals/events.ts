import type { Allocation, EventStamp } from '../account/events';

export interface UnitsBack {
  readonly window: string;
  readonly startedAt: string;
  readonly units: number;
}

export type UsageReversed = {
  readonly type: 'UsageReversed';
  readonly data: Readonly<
    EventStamp & {
      reversalId: string;
      usageId: string;
      fingerprint: string;
      reason: string;
      product: string;
      /** The allowance units the usage drew (a settlement: from its hold and beyond it). */
      allowanceUnits: number;
      credits: string;
      /** Back to the grants the usage drew, where they are still open and unexpired. */
      allocations: readonly Allocation[];
      /** The rest (grant expired or refunded since), as one new promotional grant; null when none. */
      regranted: { readonly grantId: string; readonly credits: string } | null;
      /** Units given back to window instances still live (never more than their used). */
      windows: readonly UnitsBack[];
      /** Taken off the month's spending (the cap): what the usage charged in this same month. */
      monthCredits: string;
    }
  >;
};
