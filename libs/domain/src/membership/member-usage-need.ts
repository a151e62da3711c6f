import type { RecordUsage } from '../account/commands';
import { decide } from '../account/decide';
import type { DecisionContext } from '../account/decision';
import type { UsageRecorded } from '../account/events';
import type { AccountState } from '../account/state';
import { creditsFromStored, formatCredits, type Credits } from '../credits';
import { isoOf, MINUTE_MS, type EpochMs } from '../time';
import type { ReserveMemberSpend, SettleMemberSpend } from '../organizations/commands';
import type { MemberSpendRejected, MemberSpendReserved } from '../organizations/events';
import type { MemberPool } from './commands';

/** How long a member's pool reservation lives before the sweeper may repair it. */
export const MEMBER_RESERVATION_TTL_MS = 10 * MINUTE_MS;
/** Bound on reserve → record attempts for one usage (a concurrent usage of the same member may outrun one). */
export const MAX_MEMBER_USAGE_ATTEMPTS = 5;

/** What a member's usage needs from its organisation's pool. */
export interface MemberUsageNeed {
  readonly organizationId: string;
  readonly accountId: string;
  readonly usageId: string;
  readonly product: string;
  /** Overage credits beyond the windows, > 0. */
  readonly credits: Credits;
}

/**
 * The overage a member's usage needs from the pool, decided exactly as `decide` would decide it
 * now (lazy expiry, holds, windows of the organisation's plan); null when no pool is needed: not a
 * member, a replay, bad input, windows cover it, or the account refuses it on its own
 * (overage_not_allowed). Then the shell decides the RecordUsage as usual.
 */
export function memberUsageNeed(
  command: RecordUsage,
  state: AccountState,
  context: DecisionContext,
): MemberUsageNeed | null {
  const organizationId = state.membership.organizationId;
  if (organizationId === null) return null;
  const bare: RecordUsage = { type: 'RecordUsage', data: command.data, metadata: command.metadata };
  const decision = decide(bare, state, context);
  if (decision.kind !== 'error' || decision.error.code !== 'conflict') return null;
  const { reason, requiredCredits } = decision.error;
  if (reason !== 'pool_reservation_short' || requiredCredits === undefined) return null;
  return {
    organizationId,
    accountId: command.data.accountId,
    usageId: command.data.usageId,
    product: command.data.product,
    credits: creditsFromStored(requiredCredits),
  };
}

/**
 * The pool reservation id of attempt `attempt` (1, 2, …) of a member usage. Unambiguous for any
 * ids (SPEC §10): the attempt and the account id's length come first, so `a:b`+`c` ≠ `a`+`b:c`.
 */
export function memberUsageHoldId(accountId: string, usageId: string, attempt: number): string {
  return `member-usage:${attempt}:${accountId.length}:${accountId}:${usageId}`;
}

/** ReserveMemberSpend's data for a need, attempt and ledger time. */
export function memberReservationOf(
  need: MemberUsageNeed,
  attempt: number,
  now: EpochMs,
): ReserveMemberSpend['data'] {
  return {
    organizationId: need.organizationId,
    accountId: need.accountId,
    usageId: need.usageId,
    holdId: memberUsageHoldId(need.accountId, need.usageId, attempt),
    product: need.product,
    credits: formatCredits(need.credits),
    expiresAt: isoOf(now + MEMBER_RESERVATION_TTL_MS),
  };
}

/** The pool's answer, to attach to the member's RecordUsage as `pool`. */
export function memberPoolOf(event: MemberSpendReserved | MemberSpendRejected): MemberPool {
  const d = event.data;
  const balance = creditsFromStored(d.balanceAfter);
  const remaining = d.remainingThisMonth === null ? null : creditsFromStored(d.remainingThisMonth);
  const openToMember = formatCredits(remaining !== null && remaining < balance ? remaining : balance);
  if (event.type === 'MemberSpendReserved') {
    return {
      outcome: 'reserved',
      organizationId: d.organizationId,
      holdId: d.holdId,
      credits: event.data.credits,
      allocations: event.data.allocations,
      openToMember,
    };
  }
  return {
    outcome: 'rejected',
    organizationId: d.organizationId,
    holdId: d.holdId,
    reason: event.data.reason,
    limitSource: event.data.limitSource,
    limit: event.data.limit,
    openToMember,
  };
}

/** SettleMemberSpend's data for a recorded usage the pool paid for; null when it did not. */
export function memberSettlementOf(event: UsageRecorded): SettleMemberSpend['data'] | null {
  const paidBy = event.data.paidBy;
  if (paidBy === undefined) return null;
  return {
    organizationId: paidBy.organizationId,
    holdId: paidBy.holdId,
    usageId: event.data.usageId,
    credits: event.data.creditsCharged,
  };
}
