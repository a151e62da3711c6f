import type { CommandMetadata } from '../account/commands';
import type { Allocation } from '../account/events';
import type { LimitSource, PoolRejectionReason } from '../organizations/events';

/**
 * Membership, on the member's own `account-<id>` stream (SPEC §7): which organisation it belongs to
 * (at most one), the plan it has meanwhile, and which pool reservations its usage used or lapsed.
 */
interface Command<T extends string, D> {
  readonly type: T;
  readonly data: Readonly<D>;
  readonly metadata: CommandMetadata;
}

/** `plan`: the organisation's plan, which the account has while a member. 409 if in another organisation. */
export type JoinOrganization = Command<
  'JoinOrganization',
  { accountId: string; organizationId: string; plan: string; group?: string }
>;
/** The account gets its own plan back (the one it had when it joined). Not a member → nothing appended. */
export type LeaveOrganization = Command<'LeaveOrganization', { accountId: string; organizationId: string }>;
/**
 * The sweeper's first step for a reservation past its expiry whose usage is not on this stream:
 * from then on a RecordUsage carrying that holdId is refused, so the expiry on the pool is safe.
 */
export type LapsePoolReservation = Command<
  'LapsePoolReservation',
  { accountId: string; organizationId: string; usageId: string; holdId: string }
>;

export type MembershipCommand = JoinOrganization | LeaveOrganization | LapsePoolReservation;

/** What the pool answered to ReserveMemberSpend, attached by the shell to the member's RecordUsage. */
export interface PoolReservation {
  readonly outcome: 'reserved';
  readonly organizationId: string;
  readonly holdId: string;
  readonly credits: string;
  /** The reservation's allocations (pool grants, burn order). */
  readonly allocations: readonly Allocation[];
  /**
   * The pool's balance still open to the member after the reservation: the lesser of the pool's
   * unreserved balance and what is left of the member's limit (API.md: a member's `credits.balance`).
   */
  readonly openToMember: string;
}

export interface PoolRejection {
  readonly outcome: 'rejected';
  readonly organizationId: string;
  readonly holdId: string;
  readonly reason: PoolRejectionReason;
  readonly limitSource: LimitSource | null;
  readonly limit: string | null;
  /** As for a reservation: the lesser of the pool's balance and what is left of the member's limit. */
  readonly openToMember: string;
}

export type MemberPool = PoolReservation | PoolRejection;

export function isMembershipCommand(command: { readonly type: string }): command is MembershipCommand {
  return (
    command.type === 'JoinOrganization' ||
    command.type === 'LeaveOrganization' ||
    command.type === 'LapsePoolReservation'
  );
}
