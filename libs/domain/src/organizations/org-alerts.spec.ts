import { T0 } from '../testing/fixtures';
import { isoOf } from '../time';
import { openOrg, orgHistory, orgPurchase, orgSpec, ORG, setOrgAlerts } from './organizations.fixtures';
import { organizationSnapshotOf, organizationStateFromSnapshot } from './snapshot';
import { foldOrganization } from './state';

const stamp = { organizationId: ORG, recordedAt: isoOf(T0), rateCardVersion: 'test-1', actor: 'tester' };

describe('SetOrgAlerts — the pool’s alerts, the alerts module’s rule on the organisation', () => {
  const given = () => orgHistory([openOrg(), orgPurchase('p-1', '100')]);

  it('appends AlertsSet with the canonical threshold, and nothing for the settings it already has', () => {
    orgSpec()
      .given(given())
      .when(setOrgAlerts('25.50', 3))
      .then([{ type: 'AlertsSet', data: { ...stamp, creditsBelow: '25.5', expiringWithinDays: 3 } }]);
    const h = orgHistory([openOrg(), setOrgAlerts('25.5', 3)]);
    orgSpec().given(h).when(setOrgAlerts('25.500000', 3)).thenNothing();
    // The defaults (credits.low off, 7 days) are settings it already has.
    orgSpec().given(given()).when(setOrgAlerts(null, 7)).thenNothing();
  });

  it('refuses bad input naming the fields, and any command before the organisation is open', () => {
    orgSpec()
      .given(given())
      .when(setOrgAlerts('-1', 0))
      .thenError('invalid', ['creditsBelow', 'expiringWithinDays']);
    orgSpec().given(given()).when(setOrgAlerts('1', 366)).thenError('invalid', ['expiringWithinDays']);
    orgSpec().given([]).when(setOrgAlerts('1', 7)).thenError('not_found');
  });

  it('keeps the settings in the state and across a snapshot (format 2)', () => {
    const state = foldOrganization(orgHistory([openOrg(), setOrgAlerts('10', null)]));
    expect(state.alerts).toMatchObject({ creditsBelow: 10_000_000n, expiringWithinDays: null });
    const back = organizationStateFromSnapshot(JSON.parse(JSON.stringify(organizationSnapshotOf(state))));
    expect(back.alerts).toEqual(state.alerts);
    expect(() => organizationStateFromSnapshot({ ...organizationSnapshotOf(state), format: 1 })).toThrow(
      RangeError,
    );
  });
});
