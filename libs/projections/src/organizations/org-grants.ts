import { creditsFromStored, msFromStored, type Allocation, type OrganizationEvent } from '@ledger/domain';
import {
  newGrant,
  type CreditGrantRow,
  type GrantMovement,
  type GrantMovementKind,
} from '../credit-balances/credit-state';

/**
 * The pool's grants move exactly as an account's (credit-state.ts `moveGrant`): a reservation holds
 * credits, a settlement consumes what it keeps and gives back the rest, a release or an expiry of a
 * reservation gives it all back, and an expiry of a pool grant writes its remainder off.
 */
export function orgGrantOpenedBy(event: OrganizationEvent, position: bigint): CreditGrantRow | undefined {
  if (event.type !== 'OrgCreditsPurchased' && event.type !== 'OrgCreditsGranted') return undefined;
  const d = event.data;
  return newGrant(
    {
      grantId: event.type === 'OrgCreditsPurchased' ? event.data.purchaseId : event.data.grantId,
      kind: event.type === 'OrgCreditsPurchased' ? 'purchase' : 'promotional',
      credits: creditsFromStored(d.credits),
      expiresAt: d.expiresAt === null ? null : msFromStored(d.expiresAt),
      products: d.products,
      priority: d.priority,
      grantedAt: msFromStored(d.recordedAt),
    },
    position,
  );
}

const movements = (allocations: readonly Allocation[], kind: GrantMovementKind): GrantMovement[] =>
  allocations.map((a) => ({ grantId: a.grantId, credits: creditsFromStored(a.credits), kind }));

/** The pool grants an event holds, consumes, gives back or writes off, with the amount for each. */
export function orgGrantMovements(event: OrganizationEvent): readonly GrantMovement[] {
  switch (event.type) {
    case 'OrgCreditsExpired':
      return [
        { grantId: event.data.grantId, credits: creditsFromStored(event.data.credits), kind: 'expired' },
      ];
    case 'MemberSpendReserved':
      return movements(event.data.allocations, 'held');
    case 'MemberSpendSettled':
      return [
        ...movements(event.data.allocations, 'consumed'),
        ...movements(event.data.released.allocations, 'unheld'),
      ];
    case 'MemberSpendReleased':
    case 'MemberSpendExpired':
      return [...movements(event.data.released.allocations, 'unheld')];
    default:
      return [];
  }
}
