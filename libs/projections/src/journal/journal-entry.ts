import {
  creditsFromStored,
  msFromStored,
  type AccountEvent,
  type Credits,
  type EpochMs,
  type Released,
} from '@ledger/domain';
import type { ProjectedEvent } from '../events/ledger-event';
import { LedgerAccounts } from './chart-of-accounts';
import { isPaidByPool } from '../organizations/paid-by-pool';
import { poolCommandIdOf, poolDetailsOf, poolPostingsOf } from './pool-postings';

export interface Posting {
  readonly ledgerAccount: string;
  /** Micro-credits; positive = debit, negative = credit. */
  readonly amount: Credits;
  /** The grant the credits came from or went to, so finance can tie spending to purchases. */
  readonly grantId: string | null;
}

/** One journal entry per ledger event; events that move no credit have no postings. */
export interface JournalEntry {
  readonly entryId: string;
  readonly position: bigint;
  /** Null for global events (a reset of everyone's limits) and organisation events. */
  readonly accountId: string | null;
  /** The organisation of an organisation event (its pool's entries), else null. */
  readonly organizationId: string | null;
  readonly recordedAt: EpochMs;
  readonly type: string;
  readonly actor: string;
  readonly reason: string | null;
  readonly rateCardVersion: string;
  /** The idempotency key of the command that caused it (usageId, purchaseId, …), when it has one. */
  readonly commandId: string | null;
  readonly postings: readonly Posting[];
  /**
   * The customer's credits account before and after the entry; for an organisation entry, the
   * pool's credits account (null for global entries).
   */
  readonly startingBalance: Credits | null;
  readonly endingBalance: Credits | null;
  /** What else the event says, minus what the columns above already hold. */
  readonly details: Readonly<Record<string, unknown>>;
}

/** Pure: the entry an event makes, given the balance (customer's, or pool's) before it. */
export function journalEntryOf(
  projected: Exclude<ProjectedEvent, { stream: 'webhooks' }>,
  startingBalance: Credits,
): JournalEntry {
  const { event } = projected;
  const data = event.data as Readonly<Record<string, unknown>>;
  const accountId = projected.stream === 'account' ? projected.accountId : null;
  const organizationId = projected.stream === 'organization' ? projected.organizationId : null;
  const postings =
    projected.stream === 'account'
      ? postingsOf(projected.event, projected.accountId)
      : projected.stream === 'organization'
        ? poolPostingsOf(projected.event, projected.organizationId)
        : [];
  const own = balanceAccountOf(projected);
  const delta = postings.reduce((sum, p) => (p.ledgerAccount === own ? sum + p.amount : sum), 0n);
  return {
    entryId: projected.eventId,
    position: projected.position,
    accountId,
    organizationId,
    recordedAt: msFromStored(event.data.recordedAt),
    type: event.type,
    actor: event.data.actor,
    reason: reasonOf(projected, data),
    rateCardVersion: event.data.rateCardVersion,
    commandId:
      projected.stream === 'organization'
        ? poolCommandIdOf(projected.event, projected.metadata)
        : commandIdOf(projected.event, projected.metadata),
    postings,
    startingBalance: own === null ? null : startingBalance,
    endingBalance: own === null ? null : startingBalance + delta,
    details: projected.stream === 'organization' ? poolDetailsOf(data) : detailsOf(data),
  };
}

/** The ledger account whose balance an entry's starting/ending balance is: the customer's, the pool's, or none. */
export function balanceAccountOf(projected: ProjectedEvent): string | null {
  if (projected.stream === 'account') return LedgerAccounts.customerCredits(projected.accountId);
  if (projected.stream === 'organization') return LedgerAccounts.poolCredits(projected.organizationId);
  return null;
}

function postingsOf(event: AccountEvent, accountId: string): Posting[] {
  const customer = LedgerAccounts.customerCredits(accountId);
  const pair = (to: string, from: string, amount: Credits, grantId: string | null): Posting[] =>
    amount === 0n
      ? []
      : [
          { ledgerAccount: to, amount, grantId },
          { ledgerAccount: from, amount: -amount, grantId },
        ];
  switch (event.type) {
    case 'CreditsPurchased':
      return pair(
        customer,
        LedgerAccounts.deferredRevenue,
        creditsFromStored(event.data.credits),
        event.data.purchaseId,
      );
    case 'CreditsGranted':
      return pair(
        customer,
        LedgerAccounts.promotional,
        creditsFromStored(event.data.credits),
        event.data.grantId,
      );
    case 'UsageRecorded':
      // Paid by an organisation's pool: the pool's own events carry that money (pool-postings.ts).
      if (isPaidByPool(event)) return [];
      return event.data.allocations.flatMap((a) =>
        pair(LedgerAccounts.consumed, customer, creditsFromStored(a.credits), a.grantId),
      );
    case 'CreditsExpired':
      return pair(
        LedgerAccounts.expired,
        customer,
        creditsFromStored(event.data.credits),
        event.data.grantId,
      );
    case 'PurchaseRefunded':
      return pair(
        LedgerAccounts.refunded,
        customer,
        creditsFromStored(event.data.credits),
        event.data.purchaseId,
      );
    case 'HoldPlaced':
      return event.data.allocations.flatMap((a) =>
        pair(LedgerAccounts.held, customer, creditsFromStored(a.credits), a.grantId),
      );
    case 'HoldSettled': {
      const d = event.data;
      const uncollected = creditsFromStored(d.uncollected.credits);
      return [
        ...d.consumed.allocations.flatMap((a) =>
          pair(LedgerAccounts.consumed, LedgerAccounts.held, creditsFromStored(a.credits), a.grantId),
        ),
        ...releasedPostings(d.released, customer, pair),
        ...d.charged.allocations.flatMap((a) =>
          pair(LedgerAccounts.consumed, customer, creditsFromStored(a.credits), a.grantId),
        ),
        ...pair(LedgerAccounts.uncollected, LedgerAccounts.usageUnfunded, uncollected, null),
      ];
    }
    case 'HoldReleased':
    case 'HoldExpired':
      return releasedPostings(event.data.released, customer, pair);
    case 'UsageReversed': {
      const d = event.data;
      return [
        ...d.allocations.flatMap((a) =>
          pair(customer, LedgerAccounts.consumed, creditsFromStored(a.credits), a.grantId),
        ),
        ...(d.regranted === null
          ? []
          : pair(
              customer,
              LedgerAccounts.consumed,
              creditsFromStored(d.regranted.credits),
              d.regranted.grantId,
            )),
      ];
    }
    default:
      return [];
  }
}

type PairOf = (to: string, from: string, amount: Credits, grantId: string | null) => Posting[];

/** Released credits back to the customer's grants; the part whose grant expired meanwhile, written off. */
function releasedPostings(released: Released, customer: string, pair: PairOf): Posting[] {
  return [
    ...released.allocations.flatMap((a) =>
      pair(customer, LedgerAccounts.held, creditsFromStored(a.credits), a.grantId),
    ),
    ...released.expired.flatMap((a) =>
      pair(LedgerAccounts.expired, LedgerAccounts.held, creditsFromStored(a.credits), a.grantId),
    ),
  ];
}

/** The reason the event gives; for a settlement, why part of it could not be collected. */
function reasonOf(projected: ProjectedEvent, data: Readonly<Record<string, unknown>>): string | null {
  if (projected.stream === 'account' && projected.event.type === 'HoldSettled')
    return projected.event.data.uncollected.reason;
  return typeof data.reason === 'string' ? data.reason : null;
}

function commandIdOf(
  event: Exclude<ProjectedEvent, { stream: 'organization' }>['event'],
  metadata: Readonly<Record<string, unknown>>,
): string | null {
  switch (event.type) {
    case 'UsageRecorded':
    case 'UsageRejected':
      return event.data.usageId;
    case 'CreditsPurchased':
      return event.data.purchaseId;
    case 'CreditsGranted':
      return event.data.grantId;
    case 'PurchaseRefunded':
      return event.data.refundId;
    case 'AccountLimitsReset':
    case 'LimitsReset':
      return event.data.resetId;
    case 'HoldPlaced':
    case 'HoldRejected':
    case 'HoldReleased':
    case 'HoldExpired':
      return event.data.holdId;
    case 'HoldSettled':
      return event.data.usageId;
    case 'UsageReversed':
      return event.data.reversalId;
    default:
      // Commands without an idempotency key of their own (open, plan, cap, expiry sweep).
      return typeof metadata.commandId === 'string' ? metadata.commandId : null;
  }
}

/** The event data minus what the entry's columns already hold (and the windows: the timeline has them). */
function detailsOf(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const {
    accountId: _accountId,
    recordedAt: _recordedAt,
    rateCardVersion: _rateCardVersion,
    actor: _actor,
    fingerprint: _fingerprint,
    reason: _reason,
    windows: _windows,
    ...details
  } = data;
  return details;
}
