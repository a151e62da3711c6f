import { alertsSetFields, autoTopUpSetFields, topUpFailureFacts } from '../alerts/decide-alerts';
import { invalid } from '../errors';
import {
  organizationKeys,
  type RecordOrgTopUpFailure,
  type SetOrgAlerts,
  type SetOrgAutoTopUp,
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

/**
 * The pool's alerts: the alerts module's rule (alerts/decide-alerts.ts `alertsSetFields`) on the
 * organisation's slice — idempotent by value, the same bounds, the same AlertsSet event.
 */
export function decideSetOrgAlerts(
  command: SetOrgAlerts,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const set = alertsSetFields(data, state.alerts);
  if (set === null) return orgEvents();
  if ('faults' in set) return orgFailure(invalid(set.faults));
  return orgEvents({
    type: 'AlertsSet',
    data: orgStamped(data.organizationId, metadata, context, set.fields),
  });
}

/** The pool's auto top-up setting: the alerts module's rule (`autoTopUpSetFields`), idempotent by value. */
export function decideSetOrgAutoTopUp(
  command: SetOrgAutoTopUp,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const set = autoTopUpSetFields(data, state.alerts);
  if (set === null) return orgEvents();
  if ('faults' in set) return orgFailure(invalid(set.faults));
  return orgEvents({
    type: 'AutoTopUpSet',
    data: orgStamped(data.organizationId, metadata, context, set.fields),
  });
}

/** A failure of the pool's outstanding request: the alerts module's rule (`topUpFailureFacts`). */
export function decideRecordOrgTopUpFailure(
  command: RecordOrgTopUpFailure,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const repeat = orgRepeatOf(
    state.idempotency,
    organizationKeys.topUpFailure(data.topUpId),
    metadata.fingerprint,
  );
  if (repeat !== null) return repeat;
  const facts = topUpFailureFacts(data, metadata.fingerprint, state.alerts);
  if ('error' in facts) return orgFailure(facts.error);
  const failed = {
    type: 'TopUpFailed' as const,
    data: orgStamped(data.organizationId, metadata, context, facts.failed),
  };
  if (facts.off === null) return orgEvents(failed);
  return orgEvents(failed, {
    type: 'AutoTopUpDisabled',
    data: orgStamped(data.organizationId, metadata, context, facts.off),
  });
}
