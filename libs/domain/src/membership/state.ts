import { AppendOnlyIndex } from '../append-only-index';
import type { UsageRecorded } from '../account/events';
import type { MembershipEvent } from './events';

/** A pool reservation as the member's stream knows it: its usage was recorded with it, or it lapsed. */
export type PoolHoldUse = 'used' | 'lapsed';

/** The membership slice of AccountState. */
export interface MembershipState {
  readonly organizationId: string | null;
  /** The account's own plan while it is a member (its `plan` is the organisation's). */
  readonly ownPlan: string | null;
  readonly group: string | null;
  /** holdId → used | lapsed: looked up only (an AppendOnlyIndex). */
  readonly poolHolds: ReadonlyMap<string, PoolHoldUse>;
}

export const noMembership = (): MembershipState => ({
  organizationId: null,
  ownPlan: null,
  group: null,
  poolHolds: AppendOnlyIndex.empty(),
});

export interface MembershipDraft {
  plan: string | null;
  membership: MembershipState;
}

export function applyMembershipEvent(draft: MembershipDraft, event: MembershipEvent): void {
  const m = draft.membership;
  switch (event.type) {
    case 'JoinedOrganization':
      draft.plan = event.data.plan;
      draft.membership = {
        organizationId: event.data.organizationId,
        ownPlan: event.data.previousPlan,
        group: event.data.group,
        poolHolds: m.poolHolds,
      };
      return;
    case 'LeftOrganization':
      draft.plan = event.data.plan;
      draft.membership = { organizationId: null, ownPlan: null, group: null, poolHolds: m.poolHolds };
      return;
    case 'PoolReservationLapsed':
      draft.membership = {
        ...m,
        poolHolds: AppendOnlyIndex.from(m.poolHolds).with(event.data.holdId, 'lapsed'),
      };
      return;
  }
}

/** A usage the pool paid for marks its reservation used (a later lapse of it is refused). */
export function applyPoolPaidUsage(draft: MembershipDraft, event: UsageRecorded): void {
  const paidBy = event.data.paidBy;
  if (paidBy === undefined) return;
  const m = draft.membership;
  draft.membership = { ...m, poolHolds: AppendOnlyIndex.from(m.poolHolds).with(paidBy.holdId, 'used') };
}
