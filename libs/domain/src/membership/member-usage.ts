import { balanceOf } from '../allocate-credits';
import type { AccountCommand, RecordUsage } from '../account/commands';
import { events, failure, repeatOf, type Decision, type DecisionContext } from '../account/decision';
import type { AccountEvent, Allocation, UsageRecorded, UsageRejected } from '../account/events';
import type { AccountState, GrantState } from '../account/state';
import { creditsFromStored, formatCredits } from '../credits';
import { conflict, conflictBecause } from '../errors';
import { decideUsageBesideHolds } from '../holds/decide-holds';
import { idempotencyKeys } from '../idempotency';
import type { MemberPool } from './commands';

/**
 * A member's usage (SPEC §7), decided on its own stream with the pool's answer attached:
 * windows of the organisation's plan first (the account's `plan` while a member), then the overage
 * from the pool reservation only — the account's own grants and its own spending cap are not used
 * while it is a member (they wait until it leaves). Outcomes:
 *   - no overage: UsageRecorded as usual (no pool needed);
 *   - overage within the reservation: UsageRecorded with `paidBy` and allocations naming the pool's
 *     grants (a prefix of the reservation's, in its burn order);
 *   - the pool refused: UsageRejected with the pool's reason (member_limit_reached + limitSource
 *     and limit, or insufficient_credits), so a retry replays the same 402;
 *   - overage beyond the reservation, or no reservation: a conflict with reason
 *     `pool_reservation_short` and the credits needed now (the shell reserves and tries again).
 */
export function decideMemberUsage(
  command: RecordUsage,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata, pool } = command;
  const repeat = repeatOf(state.idempotency, idempotencyKeys.usage(data.usageId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const organizationId = state.membership.organizationId;
  if (pool !== undefined) {
    if (pool.organizationId !== organizationId) {
      return failure(
        conflictBecause(
          'not_a_member',
          `account "${state.accountId}" is not a member of organization "${pool.organizationId}"`,
        ),
      );
    }
    const use = state.membership.poolHolds.get(pool.holdId);
    if (use === 'lapsed') {
      return failure(conflictBecause('pool_reservation_lapsed', `pool reservation "${pool.holdId}" lapsed`));
    }
    if (use === 'used') {
      return failure(
        conflictBecause('pool_hold_used', `pool reservation "${pool.holdId}" was used by another usage`),
      );
    }
  }
  const decision = decideUsageBesideHolds(command, poolBacked(state, pool), context);
  if (decision.kind !== 'events') return decision;
  const own = formatCredits(balanceOf(state.grants, metadata.now));
  const shaped: AccountEvent[] = [];
  for (const event of decision.events) {
    const result = withPool(event, own, pool);
    if ('short' in result) {
      const needs = `needs ${result.short} credits from the organization's pool`;
      const has = pool?.outcome === 'reserved' ? `, ${pool.credits} were reserved` : ', none were reserved';
      return failure(
        conflictBecause('pool_reservation_short', `usage "${data.usageId}" ${needs}${has}`, result.short),
      );
    }
    shaped.push(result);
  }
  return events(...shaped);
}

/**
 * The usage event as a member's, or how short the reservation is. `balanceAfter` (API.md): paid
 * or refused by the pool, the pool's balance still open to the member — the lesser of the pool
 * and its remaining limit, plus what the settlement will give back; otherwise the account's own.
 */
function withPool(
  event: AccountEvent,
  ownBalance: string,
  pool: MemberPool | undefined,
): AccountEvent | { readonly short: string } {
  if (event.type === 'UsageRecorded') {
    if (pool?.outcome !== 'reserved') {
      return { type: 'UsageRecorded', data: Object.assign({}, event.data, { balanceAfter: ownBalance }) };
    }
    const giveBack = creditsFromStored(pool.credits) - creditsFromStored(event.data.creditsCharged);
    const balanceAfter = formatCredits(creditsFromStored(pool.openToMember) + giveBack);
    const paidBy = { organizationId: pool.organizationId, holdId: pool.holdId };
    const data: UsageRecorded['data'] = Object.assign({}, event.data, { balanceAfter, paidBy });
    return { type: 'UsageRecorded', data };
  }
  if (event.type !== 'UsageRejected') return event;
  if (event.data.reason !== 'insufficient_credits') {
    return { type: 'UsageRejected', data: Object.assign({}, event.data, { balanceAfter: ownBalance }) };
  }
  if (pool?.outcome !== 'rejected') return { short: event.data.requiredCredits };
  const data: UsageRejected['data'] = Object.assign({}, event.data, {
    reason: pool.reason,
    balanceAfter: pool.openToMember,
    organizationId: pool.organizationId,
    limitSource: pool.limitSource,
    limit: pool.limit,
  });
  return { type: 'UsageRejected', data };
}

/**
 * The state a member's usage is priced on: no own grants and no own cap; instead one grant per
 * pool allocation of the reservation, in its order (priority = position), so the usage draws a
 * prefix of it exactly as the settlement on the pool will.
 */
function poolBacked(state: AccountState, pool: MemberPool | undefined): AccountState {
  const grants: GrantState[] =
    pool?.outcome === 'reserved' ? pool.allocations.map((a, i) => reservedGrant(a, i)) : [];
  return { ...state, grants, spendingCap: null };
}

function reservedGrant(a: Allocation, position: number): GrantState {
  const credits = creditsFromStored(a.credits);
  return {
    grantId: a.grantId,
    kind: 'promotional',
    credits,
    remaining: credits,
    expiresAt: null,
    products: null,
    priority: position,
    grantedAt: 0,
    status: 'open',
    amountPaid: null,
  };
}

/**
 * Commands a member may not give, or not in this form: its plan is the organisation's (ChangePlan),
 * holds on its own credits would bypass the pool (PlaceHold), and a pool-paid usage cannot be
 * reversed onto the account's grants (ReverseUsage). Null when the command may go on.
 */
export function refusedForMember(
  command: AccountCommand,
  state: AccountState,
  context: DecisionContext,
): Decision | null {
  const organizationId = state.membership.organizationId;
  if (command.type === 'ReverseUsage') {
    const recorded = context.usageEventOf?.(command.data.usageId);
    if (recorded?.type === 'UsageRecorded' && recorded.data.paidBy !== undefined) {
      return failure(
        conflict(
          `usage "${command.data.usageId}" was paid by organization "${recorded.data.paidBy.organizationId}": its reversal is not supported`,
        ),
      );
    }
    return null;
  }
  if (organizationId === null) return null;
  if (command.type === 'ChangePlan') {
    return failure(
      conflict(
        `account "${state.accountId}" is a member of organization "${organizationId}": its plan is the organization's`,
      ),
    );
  }
  if (command.type === 'PlaceHold') {
    return failure(
      conflict(
        `account "${state.accountId}" is a member of organization "${organizationId}": holds of members are not supported`,
      ),
    );
  }
  return null;
}
