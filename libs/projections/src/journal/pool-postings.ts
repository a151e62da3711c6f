import { creditsFromStored, type Allocation, type Credits, type OrganizationEvent } from '@ledger/domain';
import { LedgerAccounts } from './chart-of-accounts';
import type { Posting } from './journal-entry';

/**
 * The postings of an organisation's events: the pool's money (chart-of-accounts.ts). These are the
 * only entries that move pool credits; a member's usage paid by the pool posts none.
 */
export function poolPostingsOf(event: OrganizationEvent, organizationId: string): Posting[] {
  const pool = LedgerAccounts.poolCredits(organizationId);
  const held = LedgerAccounts.poolHeld(organizationId);
  const perGrant = (allocations: readonly Allocation[], to: string, from: string): Posting[] =>
    allocations.flatMap((a) => pair(to, from, creditsFromStored(a.credits), a.grantId));
  switch (event.type) {
    case 'OrgCreditsPurchased':
      return pair(
        pool,
        LedgerAccounts.deferredRevenue,
        creditsFromStored(event.data.credits),
        event.data.purchaseId,
      );
    case 'OrgCreditsGranted':
      return pair(
        pool,
        LedgerAccounts.promotional,
        creditsFromStored(event.data.credits),
        event.data.grantId,
      );
    case 'OrgCreditsExpired':
      return pair(LedgerAccounts.expired, pool, creditsFromStored(event.data.credits), event.data.grantId);
    case 'MemberSpendReserved':
      return perGrant(event.data.allocations, held, pool);
    case 'MemberSpendSettled':
      return [
        ...perGrant(event.data.allocations, LedgerAccounts.consumed, held),
        ...perGrant(event.data.released.allocations, pool, held),
      ];
    case 'MemberSpendReleased':
    case 'MemberSpendExpired':
      return [...perGrant(event.data.released.allocations, pool, held)];
    default:
      return [];
  }
}

function pair(to: string, from: string, amount: Credits, grantId: string | null): Posting[] {
  return amount === 0n
    ? []
    : [
        { ledgerAccount: to, amount, grantId },
        { ledgerAccount: from, amount: -amount, grantId },
      ];
}

/** The idempotency key of the command behind an organisation event. */
export function poolCommandIdOf(
  event: OrganizationEvent,
  metadata: Readonly<Record<string, unknown>>,
): string | null {
  switch (event.type) {
    case 'OrgCreditsPurchased':
      return event.data.purchaseId;
    case 'OrgCreditsGranted':
      return event.data.grantId;
    case 'CreditsRequested':
    case 'CreditRequestApproved':
    case 'CreditRequestDeclined':
      return event.data.requestId;
    case 'MemberSpendReserved':
    case 'MemberSpendRejected':
    case 'MemberSpendSettled':
    case 'MemberSpendReleased':
    case 'MemberSpendExpired':
      return event.data.holdId;
    default:
      return typeof metadata.commandId === 'string' ? metadata.commandId : null;
  }
}

/** The event data minus what the entry's columns hold; the member (accountId) stays: whose spend it is. */
export function poolDetailsOf(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const {
    organizationId: _organizationId,
    recordedAt: _recordedAt,
    rateCardVersion: _rateCardVersion,
    actor: _actor,
    fingerprint: _fingerprint,
    reason: _reason,
    ...details
  } = data;
  return details;
}
