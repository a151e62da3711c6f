import type { AccountState } from '../account/state';
import { events, failure, stamped, type Decision, type DecisionContext } from '../account/decision';
import { checkId, type Faults } from '../account/validate';
import { conflict, conflictBecause, invalid } from '../errors';
import { planChoices, planOf } from '../rate-card';
import type {
  JoinOrganization,
  LapsePoolReservation,
  LeaveOrganization,
  MembershipCommand,
} from './commands';

/** The membership module's entry point, dispatched from the account decider (after lazy expiry). */
export function decideMembershipCommand(
  command: MembershipCommand,
  state: AccountState,
  context: DecisionContext,
): Decision {
  switch (command.type) {
    case 'JoinOrganization':
      return decideJoinOrganization(command, state, context);
    case 'LeaveOrganization':
      return decideLeaveOrganization(command, state, context);
    case 'LapsePoolReservation':
      return decideLapsePoolReservation(command, state, context);
  }
}

/**
 * An account is a member of at most one organisation: joining another is a 409. Joining the same
 * one again appends nothing (whatever the group: the organisation's stream keeps the group).
 */
function decideJoinOrganization(
  command: JoinOrganization,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const faults: Faults = [];
  checkId(faults, 'organizationId', data.organizationId);
  if (typeof data.plan !== 'string' || planOf(context.rateCard, data.plan) === undefined) {
    faults.push({ field: 'plan', message: planChoices(context.rateCard) });
  }
  if (data.group !== undefined) checkId(faults, 'group', data.group);
  if (faults.length > 0) return failure(invalid(faults));
  const current = state.membership.organizationId;
  if (current === data.organizationId) return events();
  if (current !== null) {
    return failure(conflict(`account "${state.accountId}" is already a member of organization "${current}"`));
  }
  return events({
    type: 'JoinedOrganization',
    data: stamped(data.accountId, metadata, context, {
      organizationId: data.organizationId,
      plan: data.plan,
      previousPlan: state.plan ?? '',
      group: data.group ?? null,
      fingerprint: metadata.fingerprint,
    }),
  });
}

/** Back to the account's own plan and grants. Not a member of that organisation → nothing appended. */
function decideLeaveOrganization(
  command: LeaveOrganization,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const faults: Faults = [];
  checkId(faults, 'organizationId', data.organizationId);
  if (faults.length > 0) return failure(invalid(faults));
  if (state.membership.organizationId !== data.organizationId) return events();
  return events({
    type: 'LeftOrganization',
    data: stamped(data.accountId, metadata, context, {
      organizationId: data.organizationId,
      plan: state.membership.ownPlan ?? state.plan ?? '',
      fingerprint: metadata.fingerprint,
    }),
  });
}

/**
 * Refused when a usage was recorded with that reservation (the sweeper must settle it instead);
 * idempotent by value once lapsed. Membership is not required: the member may have left since.
 */
function decideLapsePoolReservation(
  command: LapsePoolReservation,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const faults: Faults = [];
  checkId(faults, 'organizationId', data.organizationId);
  checkId(faults, 'usageId', data.usageId);
  if (typeof data.holdId !== 'string' || data.holdId.length === 0 || data.holdId.length > 300) {
    faults.push({ field: 'holdId', message: 'must be a pool reservation id' });
  }
  if (faults.length > 0) return failure(invalid(faults));
  const use = state.membership.poolHolds.get(data.holdId);
  if (use === 'lapsed') return events();
  if (use === 'used') {
    return failure(
      conflictBecause(
        'pool_hold_used',
        `pool reservation "${data.holdId}" was used by a recorded usage: settle it`,
      ),
    );
  }
  return events({
    type: 'PoolReservationLapsed',
    data: stamped(data.accountId, metadata, context, {
      organizationId: data.organizationId,
      usageId: data.usageId,
      holdId: data.holdId,
    }),
  });
}
