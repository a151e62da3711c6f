import { grantIntake, purchaseIntake } from '../account/decide-credits';
import { checkId, checkText, type Faults } from '../account/validate';
import { formatCredits, parseCredits, type Credits } from '../credits';
import { conflict, invalid } from '../errors';
import { planChoices, planOf } from '../rate-card';
import {
  organizationKeys,
  type AddMember,
  type GrantOrgCredits,
  type OpenOrganization,
  type PurchaseOrgCredits,
  type RemoveMember,
  type SetSpendLimit,
} from './commands';
import {
  orgEvents,
  orgFailure,
  orgRepeatOf,
  orgStamped,
  type OrganizationDecision,
  type OrganizationDecisionContext,
} from './decision';
import type { OrganizationState } from './state';

/** Idempotent by the opening payload: the same plan and name replay OrganizationOpened (revision 0). */
export function decideOpenOrganization(
  command: OpenOrganization,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  if (state.organizationId !== null) {
    return state.plan === data.plan && state.name === data.name
      ? { kind: 'replay', revision: 0 }
      : orgFailure(
          conflict(
            `organization "${state.organizationId}" was already opened with plan "${state.plan}" and name "${state.name}"`,
          ),
        );
  }
  const faults: Faults = [];
  checkId(faults, 'organizationId', data.organizationId);
  if (typeof data.plan !== 'string' || planOf(context.rateCard, data.plan) === undefined) {
    faults.push({ field: 'plan', message: planChoices(context.rateCard) });
  }
  checkText(faults, 'name', data.name, 200);
  if (faults.length > 0) return orgFailure(invalid(faults));
  return orgEvents({
    type: 'OrganizationOpened',
    data: orgStamped(data.organizationId, metadata, context, {
      plan: data.plan,
      name: data.name,
      fingerprint: metadata.fingerprint,
    }),
  });
}

/** Idempotent by value: the same group appends nothing; another group is a MemberGroupChanged. */
export function decideAddMember(
  command: AddMember,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const faults: Faults = [];
  checkId(faults, 'accountId', data.accountId);
  if (data.group !== undefined) checkId(faults, 'group', data.group);
  if (faults.length > 0) return orgFailure(invalid(faults));
  const group = data.group ?? null;
  const member = state.members.get(data.accountId);
  const organizationId = data.organizationId;
  if (member === undefined) {
    return orgEvents({
      type: 'MemberAdded',
      data: orgStamped(organizationId, metadata, context, { accountId: data.accountId, group }),
    });
  }
  if (member.group === group) return orgEvents();
  return orgEvents({
    type: 'MemberGroupChanged',
    data: orgStamped(organizationId, metadata, context, {
      accountId: data.accountId,
      from: member.group,
      group,
    }),
  });
}

/** Idempotent by value: removing a non-member appends nothing. Open reservations still settle. */
export function decideRemoveMember(
  command: RemoveMember,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const faults: Faults = [];
  checkId(faults, 'accountId', data.accountId);
  if (faults.length > 0) return orgFailure(invalid(faults));
  const member = state.members.get(data.accountId);
  if (member === undefined) return orgEvents();
  return orgEvents({
    type: 'MemberRemoved',
    data: orgStamped(data.organizationId, metadata, context, {
      accountId: data.accountId,
      group: member.group,
    }),
  });
}

function idTakenByOtherKind(
  state: OrganizationState,
  id: string,
  kind: 'purchase' | 'promotional',
): OrganizationDecision | null {
  const existing = state.grants.find((g) => g.grantId === id);
  return existing !== undefined && existing.kind !== kind
    ? orgFailure(conflict(`grant id "${id}" is already used by a ${existing.kind}`))
    : null;
}

/** As the account's PurchaseCredits, into the pool. */
export function decidePurchaseOrgCredits(
  command: PurchaseOrgCredits,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const repeat = orgRepeatOf(
    state.idempotency,
    organizationKeys.purchase(data.purchaseId),
    metadata.fingerprint,
  );
  if (repeat !== null) return repeat;
  const intake = purchaseIntake(data, metadata, context.rateCard);
  if ('faults' in intake) return orgFailure(invalid(intake.faults));
  const taken = idTakenByOtherKind(state, data.purchaseId, 'purchase');
  if (taken !== null) return taken;
  return orgEvents({
    type: 'OrgCreditsPurchased',
    data: orgStamped(data.organizationId, metadata, context, intake.fields),
  });
}

/** As the account's GrantCredits, into the pool. */
export function decideGrantOrgCredits(
  command: GrantOrgCredits,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const repeat = orgRepeatOf(state.idempotency, organizationKeys.grant(data.grantId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const intake = grantIntake(data, metadata, context.rateCard);
  if ('faults' in intake) return orgFailure(invalid(intake.faults));
  const taken = idTakenByOtherKind(state, data.grantId, 'promotional');
  if (taken !== null) return taken;
  return orgEvents({
    type: 'OrgCreditsGranted',
    data: orgStamped(data.organizationId, metadata, context, intake.fields),
  });
}

const LEVELS: readonly string[] = ['default', 'group', 'member'];

/**
 * Idempotent by value: setting what a level already has appends nothing. "0" allows no pool spend
 * at all; null clears the level (the next less specific one applies). A member limit needs a member.
 */
export function decideSetSpendLimit(
  command: SetSpendLimit,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const faults: Faults = [];
  if (!LEVELS.includes(data.level))
    faults.push({ field: 'level', message: 'must be one of default, group, member' });
  if (data.level === 'default' && data.key !== undefined) {
    faults.push({ field: 'key', message: 'must be absent for the default level' });
  } else if (data.level === 'group' || data.level === 'member') {
    checkId(faults, 'key', data.key);
  }
  const limit = data.creditsPerMonth === null ? null : checkLimit(faults, data.creditsPerMonth);
  if (faults.length > 0) return orgFailure(invalid(faults));
  const key = data.key ?? null;
  if (data.level === 'member' && !state.members.has(key as string)) {
    return orgFailure(conflict(`account "${key}" is not a member of organization "${data.organizationId}"`));
  }
  const previous = currentLimit(state, data.level, key);
  if (previous === limit) return orgEvents();
  return orgEvents({
    type: 'SpendLimitSet',
    data: orgStamped(data.organizationId, metadata, context, {
      level: data.level,
      key,
      creditsPerMonth: limit === null ? null : formatCredits(limit),
      previous: previous === null ? null : formatCredits(previous),
    }),
  });
}

function checkLimit(faults: Faults, value: unknown): Credits | null {
  const limit = typeof value === 'string' ? parseCredits(value) : null;
  if (limit === null) {
    faults.push({
      field: 'creditsPerMonth',
      message: 'must be null or a decimal string ≤ 1000000000 with at most 6 fractional digits',
    });
  }
  return limit;
}

function currentLimit(
  state: OrganizationState,
  level: SetSpendLimit['data']['level'],
  key: string | null,
): Credits | null {
  if (level === 'default') return state.limits.default;
  const map = level === 'group' ? state.limits.groups : state.limits.members;
  return map.get(key ?? '') ?? null;
}
