import {
  creditsFromStored,
  msFromStored,
  utcMonthOf,
  type AccountEvent,
  type Credits,
  type EpochMs,
} from '@ledger/domain';

/** One grant (a purchase or a promotional grant) and where its credits went. */
export interface CreditGrantRow {
  readonly grantId: string;
  readonly kind: 'purchase' | 'promotional';
  readonly credits: Credits;
  readonly used: Credits;
  readonly expired: Credits;
  readonly refunded: Credits;
  /** credits − used − expired − refunded, except that a refund or write-off zeroes it (the decider's rule). */
  readonly remaining: Credits;
  readonly expiresAt: EpochMs | null;
  readonly products: readonly string[] | null;
  readonly priority: number;
  readonly grantedAt: EpochMs;
  readonly status: 'open' | 'written_off' | 'refunded';
  /** Global position of the grant: the decider's order of grants, kept for the account view. */
  readonly position: bigint;
}

/** Per account: the spending cap and the credits charged in the current UTC month (for the cap view). */
export interface CreditAccountRow {
  readonly spendingCap: Credits | null;
  readonly spendMonth: number;
  readonly spent: Credits;
}

export const NEW_CREDIT_ACCOUNT: CreditAccountRow = { spendingCap: null, spendMonth: 0, spent: 0n };

/** Pure reducer of the account row. */
export function evolveCreditAccount(row: CreditAccountRow, event: AccountEvent): CreditAccountRow {
  switch (event.type) {
    case 'SpendingCapSet': {
      const cap = event.data.creditsPerMonth;
      return { ...row, spendingCap: cap === null ? null : creditsFromStored(cap) };
    }
    case 'UsageRecorded': {
      const month = utcMonthOf(msFromStored(event.data.recordedAt));
      const charged = creditsFromStored(event.data.creditsCharged);
      return { ...row, spendMonth: month, spent: (row.spendMonth === month ? row.spent : 0n) + charged };
    }
    default:
      return row;
  }
}

/** The grant an event opens, if it opens one. */
export function grantOpenedBy(event: AccountEvent, position: bigint): CreditGrantRow | undefined {
  if (event.type !== 'CreditsPurchased' && event.type !== 'CreditsGranted') return undefined;
  const d = event.data;
  const credits = creditsFromStored(d.credits);
  return {
    grantId: event.type === 'CreditsPurchased' ? event.data.purchaseId : event.data.grantId,
    kind: event.type === 'CreditsPurchased' ? 'purchase' : 'promotional',
    credits,
    used: 0n,
    expired: 0n,
    refunded: 0n,
    remaining: credits,
    expiresAt: d.expiresAt === null ? null : msFromStored(d.expiresAt),
    products: d.products,
    priority: d.priority,
    grantedAt: msFromStored(d.recordedAt),
    status: 'open',
    position,
  };
}

/** The grants an event draws on or closes, with the amount for each. */
export function grantMovements(event: AccountEvent): readonly {
  readonly grantId: string;
  readonly credits: Credits;
  readonly kind: 'used' | 'expired' | 'refunded';
}[] {
  switch (event.type) {
    case 'UsageRecorded':
      return event.data.allocations.map((a) => ({
        grantId: a.grantId,
        credits: creditsFromStored(a.credits),
        kind: 'used',
      }));
    case 'CreditsExpired':
      return [
        { grantId: event.data.grantId, credits: creditsFromStored(event.data.credits), kind: 'expired' },
      ];
    case 'PurchaseRefunded':
      return [
        { grantId: event.data.purchaseId, credits: creditsFromStored(event.data.credits), kind: 'refunded' },
      ];
    default:
      return [];
  }
}

/** Pure reducer of one grant for one movement. */
export function moveGrant(
  grant: CreditGrantRow,
  movement: { readonly credits: Credits; readonly kind: 'used' | 'expired' | 'refunded' },
): CreditGrantRow {
  switch (movement.kind) {
    case 'used':
      return { ...grant, used: grant.used + movement.credits, remaining: grant.remaining - movement.credits };
    case 'expired':
      return { ...grant, expired: grant.expired + movement.credits, remaining: 0n, status: 'written_off' };
    case 'refunded':
      return { ...grant, refunded: grant.refunded + movement.credits, remaining: 0n, status: 'refunded' };
  }
}
