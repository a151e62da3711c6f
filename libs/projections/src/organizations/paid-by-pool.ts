import type { UsageRecorded } from '@ledger/domain';

/**
 * A member's usage whose overage the organisation's pool paid (org-design.md): its allocations name
 * the pool's grants, which the pool's own events move. Read models of the member's credits (grants,
 * journal postings, timeline) leave it out, so the money is never counted twice.
 */
export function isPaidByPool(event: UsageRecorded): boolean {
  return event.data.paidBy !== undefined && event.data.paidBy !== null;
}
