import { checkCreditsAmount, checkId, checkText, type Faults } from '../account/validate';
import { formatCredits } from '../credits';
import { conflict, invalid, notFound } from '../errors';
import { organizationKeys, type DecideCreditRequest, type RequestCredits } from './commands';
import {
  orgEvents,
  orgFailure,
  orgRepeatOf,
  orgStamped,
  type OrganizationDecision,
  type OrganizationDecisionContext,
} from './decision';
import { effectiveLimit } from './limits';
import { monthKeyOf } from './month';
import type { OrganizationState } from './state';

function checkNote(faults: Faults, note: unknown): void {
  if (note !== undefined) checkText(faults, 'note', note);
}

/** A member asks for more credits this month; recorded as pending until an admin decides. */
export function decideRequestCredits(
  command: RequestCredits,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const repeat = orgRepeatOf(
    state.idempotency,
    organizationKeys.request(data.requestId),
    metadata.fingerprint,
  );
  if (repeat !== null) return repeat;
  const faults: Faults = [];
  checkId(faults, 'requestId', data.requestId);
  checkId(faults, 'accountId', data.accountId);
  const credits = checkCreditsAmount(faults, 'credits', data.credits);
  checkNote(faults, data.note);
  if (faults.length > 0) return orgFailure(invalid(faults));
  if (!state.members.has(data.accountId)) {
    return orgFailure(
      conflict(`account "${data.accountId}" is not a member of organization "${data.organizationId}"`),
    );
  }
  return orgEvents({
    type: 'CreditsRequested',
    data: orgStamped(data.organizationId, metadata, context, {
      requestId: data.requestId,
      fingerprint: metadata.fingerprint,
      accountId: data.accountId,
      credits: formatCredits(credits),
      note: data.note ?? null,
    }),
  });
}

/**
 * Approval sets the member's limit for the current UTC month to its effective limit at approval
 * plus the credits asked for; from an unlimited effective limit nothing changes (override null).
 * A request is decided once: the same decision again replays, another one is a 409.
 */
export function decideCreditRequest(
  command: DecideCreditRequest,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const repeat = orgRepeatOf(
    state.idempotency,
    organizationKeys.decision(data.requestId),
    metadata.fingerprint,
  );
  if (repeat !== null) return repeat;
  const faults: Faults = [];
  checkId(faults, 'requestId', data.requestId);
  if (typeof data.approve !== 'boolean') faults.push({ field: 'approve', message: 'must be a boolean' });
  checkNote(faults, data.note);
  if (faults.length > 0) return orgFailure(invalid(faults));
  const request = state.requests.get(data.requestId);
  if (request === undefined) {
    return orgFailure(
      notFound(`credit request "${data.requestId}" not found in organization "${data.organizationId}"`),
    );
  }
  if (request.status !== 'pending') {
    return orgFailure(conflict(`credit request "${data.requestId}" is already ${request.status}`));
  }
  const fields = {
    requestId: data.requestId,
    fingerprint: metadata.fingerprint,
    accountId: request.accountId,
    credits: formatCredits(request.credits),
    note: data.note ?? null,
  };
  if (!data.approve) {
    return orgEvents({
      type: 'CreditRequestDeclined',
      data: orgStamped(data.organizationId, metadata, context, fields),
    });
  }
  const { limit } = effectiveLimit(state, request.accountId, metadata.now);
  return orgEvents({
    type: 'CreditRequestApproved',
    data: orgStamped(data.organizationId, metadata, context, {
      ...fields,
      month: monthKeyOf(metadata.now),
      limitBefore: limit === null ? null : formatCredits(limit),
      override: limit === null ? null : formatCredits(limit + request.credits),
    }),
  });
}
