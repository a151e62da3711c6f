import type { TimelineItem } from '../ledger-types';

/**
 * The events "Explain" explains: usage, refused usage, a hold's settlement, a reversal, and a hold
 * that ended without a usage (released or expired: what came back, and where).
 */
export function isCharge(item: TimelineItem): boolean {
  return [
    'UsageRecorded',
    'UsageRejected',
    'HoldSettled',
    'UsageReversed',
    'HoldReleased',
    'HoldExpired',
  ].includes(item.type);
}

/** What the explain button names: the usage (a settlement is a usage too), or the reversal. */
export function chargeName(item: TimelineItem): string {
  if (item.type === 'UsageReversed') return `reversal ${String(item.data.reversalId)}`;
  if (item.type === 'HoldReleased' || item.type === 'HoldExpired') return `hold ${String(item.data.holdId)}`;
  return `usage ${String(item.data.usageId)}`;
}
