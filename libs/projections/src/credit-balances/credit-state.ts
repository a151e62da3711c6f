import {
  creditsFromStored,
  DEFAULT_PRIORITY,
  msFromStored,
  utcMonthOf,
  type AccountEvent,
  type Allocation,
  type Credits,
  type EpochMs,
  type Released,
  type UsageReversed,
} from '@ledger/domain';
import { isPaidByPool } from '../organizations/paid-by-pool';

/** One grant (a purchase or a promotional grant) and where its credits went. */
export interface CreditGrantRow {
  readonly grantId: string;
  readonly kind: 'purchase' | 'promotional';
  readonly credits: Credits;
  readonly used: Credits;
  readonly expired: Credits;
  readonly refunded: Credits;
  /** Kept by open holds: left `remaining` at placement (libs/domain/src/holds/RULES.md). */
  readonly held: Credits;
  /**
   * What can still be drawn. Always remaining + held + used + expired + refunded = credits, except
   * that a refund or write-off zeroes it (the decider's rule) while the rest stays as recorded.
   */
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
    case 'UsageRecorded':
      // Paid by the organisation's pool: the account's own spending (its cap) is untouched.
      if (isPaidByPool(event)) return row;
      return spentInMonth(row, event.data.recordedAt, creditsFromStored(event.data.creditsCharged));
    case 'HoldSettled': {
      const d = event.data;
      return spentInMonth(
        row,
        d.recordedAt,
        creditsFromStored(d.consumed.credits) + creditsFromStored(d.charged.credits),
      );
    }
    case 'UsageReversed': {
      // Only a usage of this same month is taken off its spending (the decider's rule).
      const month = utcMonthOf(msFromStored(event.data.recordedAt));
      if (row.spendMonth !== month) return row;
      return { ...row, spent: row.spent - creditsFromStored(event.data.monthCredits) };
    }
    default:
      return row;
  }
}

function spentInMonth(row: CreditAccountRow, recordedAt: string, charged: Credits): CreditAccountRow {
  const month = utcMonthOf(msFromStored(recordedAt));
  return { ...row, spendMonth: month, spent: (row.spendMonth === month ? row.spent : 0n) + charged };
}

/** The grant an event opens, if it opens one. */
export function grantOpenedBy(event: AccountEvent, position: bigint): CreditGrantRow | undefined {
  if (event.type === 'UsageReversed') return regrantOf(event, position);
  if (event.type !== 'CreditsPurchased' && event.type !== 'CreditsGranted') return undefined;
  const d = event.data;
  return newGrant(
    {
      grantId: event.type === 'CreditsPurchased' ? event.data.purchaseId : event.data.grantId,
      kind: event.type === 'CreditsPurchased' ? 'purchase' : 'promotional',
      credits: creditsFromStored(d.credits),
      expiresAt: d.expiresAt === null ? null : msFromStored(d.expiresAt),
      products: d.products,
      priority: d.priority,
      grantedAt: msFromStored(d.recordedAt),
    },
    position,
  );
}

/**
 * A reversal's credits whose grant cannot take them back (expired or refunded since) come back as
 * one new promotional grant, as the decider opens it (libs/domain/src/reversals/state.ts).
 */
function regrantOf(event: UsageReversed, position: bigint): CreditGrantRow | undefined {
  const { regranted, recordedAt } = event.data;
  if (regranted === null) return undefined;
  return newGrant(
    {
      grantId: regranted.grantId,
      kind: 'promotional',
      credits: creditsFromStored(regranted.credits),
      expiresAt: null,
      products: null,
      priority: DEFAULT_PRIORITY,
      grantedAt: msFromStored(recordedAt),
    },
    position,
  );
}

export type GrantTerms = Pick<
  CreditGrantRow,
  'grantId' | 'kind' | 'credits' | 'expiresAt' | 'products' | 'priority' | 'grantedAt'
>;

/** A grant as opened: all of it remaining (an account's, or an organisation pool's). */
export function newGrant(terms: GrantTerms, position: bigint): CreditGrantRow {
  return {
    ...terms,
    used: 0n,
    expired: 0n,
    refunded: 0n,
    held: 0n,
    remaining: terms.credits,
    status: 'open',
    position,
  };
}

/**
 * How credits move on a grant:
 * - used / expired / refunded: drawn by usage, written off, refunded (the last two close it);
 * - held: a hold takes them from remaining; unheld: a release gives them back to remaining;
 * - consumed: a settlement uses what was held; heldExpired: held on a grant that expired meanwhile,
 *   released, so written off (`released.expired`);
 * - reversed: a reversal gives used credits back to remaining.
 */
export type GrantMovementKind =
  'used' | 'expired' | 'refunded' | 'held' | 'unheld' | 'consumed' | 'heldExpired' | 'reversed';

export interface GrantMovement {
  readonly grantId: string;
  readonly credits: Credits;
  readonly kind: GrantMovementKind;
}

const movements = (allocations: readonly Allocation[], kind: GrantMovementKind): GrantMovement[] =>
  allocations.map((a) => ({ grantId: a.grantId, credits: creditsFromStored(a.credits), kind }));

const releasedMovements = (released: Released): GrantMovement[] => [
  ...movements(released.allocations, 'unheld'),
  ...movements(released.expired, 'heldExpired'),
];

/** The grants an event draws on, holds, gives back or closes, with the amount for each. */
export function grantMovements(event: AccountEvent): readonly GrantMovement[] {
  switch (event.type) {
    case 'UsageRecorded':
      // Paid by the organisation's pool: the pool's grants move in the organisations read model.
      return isPaidByPool(event) ? [] : movements(event.data.allocations, 'used');
    case 'CreditsExpired':
      return [
        { grantId: event.data.grantId, credits: creditsFromStored(event.data.credits), kind: 'expired' },
      ];
    case 'PurchaseRefunded':
      return [
        { grantId: event.data.purchaseId, credits: creditsFromStored(event.data.credits), kind: 'refunded' },
      ];
    case 'HoldPlaced':
      return movements(event.data.allocations, 'held');
    case 'HoldSettled':
      return [
        ...movements(event.data.consumed.allocations, 'consumed'),
        ...releasedMovements(event.data.released),
        ...movements(event.data.charged.allocations, 'used'),
      ];
    case 'HoldReleased':
    case 'HoldExpired':
      return releasedMovements(event.data.released);
    case 'UsageReversed':
      return movements(event.data.allocations, 'reversed');
    default:
      return [];
  }
}

/** Pure reducer of one grant for one movement. */
export function moveGrant(
  grant: CreditGrantRow,
  movement: { readonly credits: Credits; readonly kind: GrantMovementKind },
): CreditGrantRow {
  const c = movement.credits;
  switch (movement.kind) {
    case 'used':
      return { ...grant, used: grant.used + c, remaining: grant.remaining - c };
    case 'expired':
      return { ...grant, expired: grant.expired + c, remaining: 0n, status: 'written_off' };
    case 'refunded':
      return { ...grant, refunded: grant.refunded + c, remaining: 0n, status: 'refunded' };
    case 'held':
      return { ...grant, held: grant.held + c, remaining: grant.remaining - c };
    case 'unheld':
      return { ...grant, held: grant.held - c, remaining: grant.remaining + c };
    case 'consumed':
      return { ...grant, held: grant.held - c, used: grant.used + c };
    case 'heldExpired':
      return { ...grant, held: grant.held - c, expired: grant.expired + c };
    case 'reversed':
      return { ...grant, used: grant.used - c, remaining: grant.remaining + c };
  }
}
