import type { TimelineItem } from '../ledger-types';

/** The events "Explain this charge" explains: usage, refused usage, a hold's settlement, a reversal. */
export function isCharge(item: TimelineItem): boolean {
  return ['UsageRecorded', 'UsageRejected', 'HoldSettled', 'UsageReversed'].includes(item.type);
}

/** What the explain button names: the usage (a settlement is a usage too), or the reversal. */
export function chargeName(item: TimelineItem): string {
  return item.type === 'UsageReversed'
    ? `reversal ${String(item.data.reversalId)}`
    : `usage ${String(item.data.usageId)}`;
}
