import type { EventStamp } from '../account/events';

interface Event<T extends string, D> {
  readonly type: T;
  readonly data: Readonly<D>;
}

/** Membership events, in the member's account stream. */
export type JoinedOrganization = Event<
  'JoinedOrganization',
  EventStamp & {
    organizationId: string;
    /** The organisation's plan: the account's plan from now on. */
    plan: string;
    /** The account's own plan, which it gets back when it leaves. */
    previousPlan: string;
    group: string | null;
    fingerprint: string;
  }
>;
export type LeftOrganization = Event<
  'LeftOrganization',
  EventStamp & { organizationId: string; plan: string; fingerprint: string }
>;
export type PoolReservationLapsed = Event<
  'PoolReservationLapsed',
  EventStamp & { organizationId: string; usageId: string; holdId: string }
>;

export type MembershipEvent = JoinedOrganization | LeftOrganization | PoolReservationLapsed;

export const MEMBERSHIP_EVENT_TYPES: readonly MembershipEvent['type'][] = [
  'JoinedOrganization',
  'LeftOrganization',
  'PoolReservationLapsed',
];

/** Recorded on UsageRecorded when the organisation's pool paid for it. */
export interface PaidBy {
  readonly organizationId: string;
  readonly holdId: string;
}
