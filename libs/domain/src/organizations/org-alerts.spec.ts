import { T0 } from '../testing/fixtures';
import { isoOf } from '../time';
import { organizationDecider } from './decide';
import {
  addMember,
  openOrg,
  orgContext,
  orgHistory,
  orgPurchase,
  orgSpec,
  orgTopUpFailure,
  ORG,
  reserve,
  setOrgAlerts,
  setOrgAutoTopUp,
} from './organizations.fixtures';
import { organizationSnapshotOf, organizationStateFromSnapshot } from './snapshot';
import { foldOrganization } from './state';

/** The events of `commands` decided after `log`. */
function orgHistoryFrom(log: ReturnType<typeof orgHistory>, commands: Parameters<typeof orgHistory>[0]) {
  const out: ReturnType<typeof orgHistory> = [];
  for (const c of commands) {
    const d = organizationDecider.decide(c, foldOrganization([...log, ...out]), orgContext);
    if (d.kind !== 'events') throw new Error(`${c.type}: ${JSON.stringify(d)}`);
    out.push(...d.events);
  }
  return out;
}

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

describe('auto top-up of the pool — the alerts module’s rules on the organisation stream', () => {
  const setup = () => [
    openOrg(),
    addMember('a-1'),
    orgPurchase('p-1', '100'),
    setOrgAutoTopUp('50', '200', '300'),
  ];

  it('requests in the same append as the reservation that leaves the drawable pool below belowCredits', () => {
    const h = orgHistory(setup());
    const d = organizationDecider.decide(reserve('h-1', 'a-1', '60'), foldOrganization(h), orgContext);
    if (d.kind !== 'events') throw new Error(JSON.stringify(d));
    expect(d.events.map((e) => e.type)).toEqual(['MemberSpendReserved', 'TopUpRequested']);
    expect(d.events[1].data).toMatchObject({
      topUpId: `topup-${h.length + 1}`,
      credits: '160',
      balance: '40',
    });
  });

  it('one outstanding; a purchase with purchaseId = topUpId fulfils it; 3 failures turn it off; the limit is never passed', () => {
    const h = orgHistory([...setup(), reserve('h-1', 'a-1', '60')]);
    const topUpId = (h.find((e) => e.type === 'TopUpRequested')?.data as { topUpId: string }).topUpId;
    // Outstanding: the next low command requests nothing.
    const next = organizationDecider.decide(reserve('h-2', 'a-1', '10'), foldOrganization(h), orgContext);
    expect(next.kind === 'events' && next.events.map((e) => e.type)).toEqual(['MemberSpendReserved']);
    // Fulfilled by the purchase: 200 drawable again, nothing outstanding.
    const paid = orgHistory([...setup(), reserve('h-1', 'a-1', '60'), orgPurchase(topUpId, '160')]);
    expect(foldOrganization(paid).alerts.outstanding).toBeNull();
    // Failures: the third in a row turns auto top-up off; the monthly limit (300) caps each request.
    let log = orgHistory([...setup(), reserve('h-1', 'a-1', '60')]);
    for (let i = 1; i <= 3; i += 1) {
      const open = foldOrganization(log).alerts.outstanding;
      expect(open).not.toBeNull();
      log = [
        ...log,
        ...orgHistoryFrom(log, [orgTopUpFailure(open!.topUpId), reserve(`h-f${i}`, 'a-1', '1')]),
      ];
    }
    const types = log.map((e) => e.type);
    expect(types.filter((t) => t === 'TopUpFailed')).toHaveLength(3);
    expect(types.filter((t) => t === 'AutoTopUpDisabled')).toHaveLength(1);
    expect(foldOrganization(log).alerts.autoTopUp?.enabled).toBe(false);
    const requested = log
      .filter((e) => e.type === 'TopUpRequested')
      .map((e) => e.data as { requestedThisMonth: string });
    expect(requested.length).toBe(3);
    for (const r of requested) expect(Number(r.requestedThisMonth)).toBeLessThanOrEqual(300);
    orgSpec().given(log).when(orgTopUpFailure('topup-404')).thenError('conflict');
  });
});
