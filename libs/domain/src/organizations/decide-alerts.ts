import { alertsSetFields } from '../alerts/decide-alerts';
import { invalid } from '../errors';
import type { SetOrgAlerts } from './commands';
import {
  orgEvents,
  orgFailure,
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
