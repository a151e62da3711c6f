import { accountDecider } from '../account/decide';
import type { AccountCommand } from '../account/commands';
import type { AccountEvent } from '../account/events';
import { snapshotOf, stateFromSnapshot } from '../account/snapshot';
import {
  context,
  expireHold,
  history,
  line,
  open,
  placeHold,
  purchase,
  releaseHold,
  settleHold,
  spec,
  stateOf,
  T0,
  usage,
} from '../testing/fixtures';
import { announceExpiring, setAlerts, setAutoTopUp, topUpFailure } from './alerts-commands.fixtures';
import { isConsequenceEvent } from './events';

/**
 * Alerts and auto top-up (SPEC §8, alerts/RULES.md). Test rate card: plus/codex has a 5h window of
 * 10 units; local_message = 1 unit or 5 credits a message beyond it.
 */
const autoTopUp = setAutoTopUp({ below: '50', target: '200', monthlyLimit: '500' });
const funded = () => [open(), purchase('p-1', '100'), autoTopUp, usage('u-0', 10)];
const typesOf = (events: readonly AccountEvent[]) => events.map((e) => e.type);

describe('SetAlerts — idempotent by value, validated', () => {
  it('records the settings, and the same settings again append nothing', () => {
    spec()
      .given(history([open()]))
      .when(setAlerts('10.50', 3))
      .thenMatches([{ type: 'AlertsSet', data: { creditsBelow: '10.5', expiringWithinDays: 3 } }]);
    spec()
      .given(history([open(), setAlerts('10.5', 3)]))
      .when(setAlerts('10.500', 3))
      .thenNothing();
  });

  it('starts with credits.low off and expiring alerts 7 days ahead; null turns each off', () => {
    expect(stateOf(history([open()])).alerts).toMatchObject({ creditsBelow: null, expiringWithinDays: 7 });
    spec()
      .given(history([open()]))
      .when(setAlerts(null, 7))
      .thenNothing();
    spec()
      .given(history([open()]))
      .when(setAlerts(null, null))
      .thenMatches([{ type: 'AlertsSet', data: { creditsBelow: null, expiringWithinDays: null } }]);
  });

  it('names each bad field', () => {
    spec()
      .given(history([open()]))
      .when(setAlerts('1e3', 0))
      .thenError('invalid', ['creditsBelow', 'expiringWithinDays']);
    spec()
      .given(history([open()]))
      .when(setAlerts('-1', 366))
      .thenError('invalid', ['creditsBelow', 'expiringWithinDays']);
  });

  it('is refused for an account that is not open', () => {
    spec().given([]).when(setAlerts('1', 1)).thenError('not_found');
  });
});

describe('SetAutoTopUp — the setting', () => {
  it('records it; the same setting again appends nothing', () => {
    spec()
      .given(history([open(), purchase('p-1', '100')]))
      .when(autoTopUp)
      .then([
        {
          type: 'AutoTopUpSet',
          data: {
            accountId: 'acct-1',
            recordedAt: new Date(T0).toISOString(),
            rateCardVersion: 'test-1',
            actor: 'tester',
            enabled: true,
            belowCredits: '50',
            targetCredits: '200',
            monthlyLimitCredits: '500',
          },
        },
      ]);
    spec()
      .given(history([open(), purchase('p-1', '100'), autoTopUp]))
      .when(autoTopUp)
      .thenNothing();
  });

  it('names each bad field, and wants the target above the threshold', () => {
    spec()
      .given(history([open()]))
      .when(setAutoTopUp({ below: 'x', target: '0', monthlyLimit: '1.0000001' }))
      .thenError('invalid', ['belowCredits', 'targetCredits', 'monthlyLimitCredits']);
    spec()
      .given(history([open()]))
      .when(setAutoTopUp({ below: '50', target: '50', monthlyLimit: '100' }))
      .thenError('invalid', ['targetCredits']);
  });

  it('enabled while the balance is already below: the same append requests the top-up', () => {
    spec()
      .given(history([open(), purchase('p-1', '10')]))
      .when(autoTopUp)
      .thenMatches([
        { type: 'AutoTopUpSet' },
        { type: 'TopUpRequested', data: { topUpId: 'topup-3', credits: '190', balance: '10' } },
      ]);
  });
});

describe('Auto top-up — a command that leaves the balance below the threshold', () => {
  it('usage: the same append carries TopUpRequested, with credits to reach the target', () => {
    spec()
      .given(history(funded()))
      .when(usage('u-1', 11))
      .thenMatches([
        { type: 'UsageRecorded', data: { creditsCharged: '55', balanceAfter: '45' } },
        {
          type: 'TopUpRequested',
          data: { topUpId: 'topup-5', credits: '155', balance: '45', requestedThisMonth: '155' },
        },
      ]);
  });

  it('a usage rejected for lack of credits also asks (the balance is below after it)', () => {
    let events = history([open(), purchase('p-1', '10'), usage('u-0', 10), autoTopUp]); // asks topup-4
    events = [...events, ...decided(events, topUpFailure('topup-4'))];
    expect(decided(events, usage('u-1', 5))).toMatchObject([
      { type: 'UsageRejected', data: { reason: 'insufficient_credits' } },
      { type: 'TopUpRequested', data: { credits: '190' } },
    ]);
  });

  it('one outstanding request at a time; the purchase with its id closes it, then the next may come', () => {
    const first = [...history(funded()), ...decided(history(funded()), usage('u-1', 11))];
    expect(typesOf(decided(first, usage('u-2', 1)))).toEqual(['UsageRecorded']);
    const afterSecond = [...first, ...decided(first, usage('u-2', 1))];
    const paid = decided(afterSecond, purchase('topup-5', '155'));
    expect(typesOf(paid)).toEqual(['CreditsPurchased']);
    const afterPaid = [...afterSecond, ...paid];
    expect(stateOf(afterPaid).alerts.outstanding).toBeNull();
    // 195 − 30 × 5 = 45 < 50: a new request, 155 more, and this month's count is 310.
    expect(decided(afterPaid, usage('u-3', 30))).toMatchObject([
      { type: 'UsageRecorded' },
      { type: 'TopUpRequested', data: { credits: '155', requestedThisMonth: '310' } },
    ]);
  });

  it('is capped by what is left of the monthly limit, and starts again with the next UTC month', () => {
    const limited = setAutoTopUp({ below: '50', target: '200', monthlyLimit: '160' });
    let events = history([open(), purchase('p-1', '100'), limited, usage('u-0', 10)]);
    events = [...events, ...decided(events, usage('u-1', 11))]; // asks 155 of 160
    events = [...events, ...decided(events, purchase(lastTopUpId(events), '155'))];
    // 200 − 30 × 5 = 50, not below; 200 − 31 × 5 = 45: 155 would reach the target, 5 are left.
    const capped = decided(events, usage('u-2', 31));
    expect(capped).toMatchObject([
      { type: 'UsageRecorded' },
      { type: 'TopUpRequested', data: { credits: '5' } },
    ]);
    events = [...events, ...capped];
    events = [...events, ...decided(events, purchase(lastTopUpId(events), '5'))];
    // The limit is used up: nothing more this month, however low the balance goes.
    expect(typesOf(decided(events, usage('u-3', 5)))).toEqual(['UsageRecorded']);
    events = [...events, ...decided(events, usage('u-3', 5))];
    const nextMonth = Date.parse('2026-12-01T00:00:00.000Z');
    expect(decided(events, usage('u-4', 1, { now: nextMonth }))).toMatchObject([
      { type: 'UsageRecorded' },
      { type: 'TopUpRequested', data: { requestedThisMonth: expect.any(String) } },
    ]);
  });

  it('is off when disabled, and a no-op command never asks', () => {
    const off = setAutoTopUp({ enabled: false, below: '50', target: '200', monthlyLimit: '500' });
    const events = history([open(), purchase('p-1', '10'), off]);
    expect(typesOf(events)).not.toContain('TopUpRequested');
    expect(typesOf(decided(events, usage('u-1', 11)))).toEqual(['UsageRecorded']);
    const on = history([open(), purchase('p-1', '10'), autoTopUp]);
    const paidOff = [...on, ...decided(on, topUpFailure('topup-3'))];
    expect(decided(paidOff, setAlerts(null, 7))).toEqual([]);
  });

  it('the answer event stays the command’s own: TopUpRequested is a consequence', () => {
    const appended = decided(history(funded()), usage('u-1', 11));
    expect(appended.filter((e) => !isConsequenceEvent(e)).map((e) => e.type)).toEqual(['UsageRecorded']);
  });
});

describe('RecordTopUpFailure', () => {
  const asked = () => history([open(), purchase('p-1', '10'), autoTopUp]); // topup-3 outstanding

  it('closes the outstanding request, gives its credits back to the month, and is replayed on retry', () => {
    const events = asked();
    const failed = decided(events, topUpFailure('topup-3'));
    expect(failed).toMatchObject([
      { type: 'TopUpFailed', data: { topUpId: 'topup-3', credits: '190', failuresInARow: 1 } },
    ]);
    const after = [...events, ...failed];
    expect(stateOf(after).alerts).toMatchObject({ outstanding: null, failuresInARow: 1 });
    expect(stateOf(after).alerts.requested.credits).toBe(0n);
    spec().given(after).when(topUpFailure('topup-3')).thenReplay(4);
    spec()
      .given(after)
      .when(topUpFailure('topup-3', T0, 'other'))
      .thenError('conflict');
  });

  it('the failure itself asks for nothing; the next command below the threshold does', () => {
    const after = [...asked(), ...decided(asked(), topUpFailure('topup-3'))];
    expect(typesOf(decided(after, usage('u-1', 1)))).toEqual(['UsageRecorded', 'TopUpRequested']);
  });

  it('refuses a top-up that is not outstanding (409), and bad fields (400)', () => {
    spec().given(asked()).when(topUpFailure('topup-9')).thenError('conflict');
    spec()
      .given(history([open()]))
      .when(topUpFailure('topup-1'))
      .thenError('conflict');
    spec()
      .given(asked())
      .when(topUpFailure('bad id!', T0, ' '))
      .thenError('invalid', ['topUpId', 'reason']);
  });

  it('three failures in a row turn auto top-up off (one event), and enabling again starts afresh', () => {
    let events = asked();
    for (let i = 1; i <= 3; i += 1) {
      const failed = decided(events, topUpFailure(lastTopUpId(events)));
      events = [...events, ...failed];
      if (i < 3) events = [...events, ...decided(events, usage(`u-${i}`, 1))];
      else expect(typesOf(failed)).toEqual(['TopUpFailed', 'AutoTopUpDisabled']);
    }
    expect(stateOf(events).alerts.autoTopUp?.enabled).toBe(false);
    expect(typesOf(decided(events, usage('u-9', 1)))).toEqual(['UsageRecorded']);
    const again = decided(events, autoTopUp);
    expect(typesOf(again)).toEqual(['AutoTopUpSet', 'TopUpRequested']);
    expect(stateOf([...events, ...again]).alerts.failuresInARow).toBe(0);
  });

  it('a fulfilled request resets the count of failures in a row', () => {
    let events = asked();
    events = [...events, ...decided(events, topUpFailure('topup-3'))];
    events = [...events, ...decided(events, usage('u-1', 1))];
    events = [...events, ...decided(events, purchase(lastTopUpId(events), '10'))];
    expect(stateOf(events).alerts.failuresInARow).toBe(0);
  });
});

describe('Auto top-up with holds — held credits are not drawable (API.md: balance excludes held)', () => {
  // funded(): balance 100, the 5h window full; each local_message beyond it holds 5 credits.
  const lines = (n: number) => Array.from({ length: n }, () => line(1));

  it('a hold that leaves the drawable balance below the threshold asks in the same append', () => {
    spec()
      .given(history(funded()))
      .when(placeHold('h-1', lines(11)))
      .thenMatches([
        { type: 'HoldPlaced', data: { credits: '55', balanceAfter: '45', heldAfter: '55' } },
        { type: 'TopUpRequested', data: { topUpId: 'topup-5', credits: '155', balance: '45' } },
      ]);
  });

  it('a hold that leaves it at the threshold asks for nothing', () => {
    spec()
      .given(history(funded()))
      .when(placeHold('h-1', lines(10)))
      .thenMatches([{ type: 'HoldPlaced', data: { balanceAfter: '50' } }]);
  });

  it('a settlement that leaves it below asks (here after the first request failed)', () => {
    let events = history([...funded(), placeHold('h-1', lines(11))]); // asks topup-5
    events = [...events, ...decided(events, topUpFailure('topup-5'))];
    expect(decided(events, settleHold('h-1', 'u-9', lines(11)))).toMatchObject([
      { type: 'HoldSettled', data: { balanceAfter: '45' } },
      { type: 'TopUpRequested', data: { topUpId: 'topup-8', credits: '155', balance: '45' } },
    ]);
  });

  it('a settlement below the hold gives credits back: above the threshold, nothing asked', () => {
    let events = history([...funded(), placeHold('h-1', lines(11))]);
    events = [...events, ...decided(events, topUpFailure('topup-5'))];
    expect(typesOf(decided(events, settleHold('h-1', 'u-9', lines(2))))).toEqual(['HoldSettled']);
    expect(typesOf(decided(events, releaseHold('h-1')))).toEqual(['HoldReleased']);
  });

  it('a settlement charging more than was held draws the rest, and asks when that leaves it low', () => {
    spec()
      .given(history([...funded(), placeHold('h-1', lines(5))])) // 25 held, 75 drawable
      .when(settleHold('h-1', 'u-9', lines(11)))
      .thenMatches([
        { type: 'HoldSettled', data: { balanceAfter: '45' } },
        { type: 'TopUpRequested', data: { credits: '155', balance: '45' } },
      ]);
  });

  it('an expired hold gives its credits back before the command decides: no request when above', () => {
    let events = history([...funded(), placeHold('h-1', lines(11), { ttlSeconds: 60 })]);
    events = [...events, ...decided(events, topUpFailure('topup-5'))];
    expect(typesOf(decided(events, expireHold('h-1', T0 + 61_000)))).toEqual(['HoldExpired']);
  });
});

describe('AnnounceExpiringCredits — the scheduler tells an idle account of credits about to expire', () => {
  const DAY = 86_400_000;
  const at = (days: number) => new Date(T0 + days * DAY).toISOString();
  const grants = () => [
    open(),
    purchase('p-soon', '30', { expiresAt: at(5) }),
    purchase('p-later', '20', { expiresAt: at(9) }),
    purchase('p-never', '10'),
  ];

  it('announces each grant with a remainder expiring within the horizon (7 days), soonest first', () => {
    spec()
      .given(history(grants()))
      .when(announceExpiring())
      .thenMatches([
        {
          type: 'CreditsExpiringSoon',
          data: { withinDays: 7, grants: [{ grantId: 'p-soon', remaining: '30', expiresAt: at(5) }] },
        },
      ]);
  });

  it('announces a grant once: the next sweep appends nothing until another grant enters the horizon', () => {
    const once = [...grants(), announceExpiring()];
    spec()
      .given(history(once))
      .when(announceExpiring(T0 + DAY))
      .thenNothing();
    spec()
      .given(history(once))
      .when(announceExpiring(T0 + 3 * DAY))
      .thenMatches([{ type: 'CreditsExpiringSoon', data: { grants: [{ grantId: 'p-later' }] } }]);
  });

  it('follows the account horizon; null (off) announces nothing; a spent grant is not announced', () => {
    spec()
      .given(history([...grants(), setAlerts(null, 10)]))
      .when(announceExpiring())
      .thenMatches([
        {
          type: 'CreditsExpiringSoon',
          data: { withinDays: 10, grants: [{ grantId: 'p-soon' }, { grantId: 'p-later' }] },
        },
      ]);
    spec()
      .given(history([...grants(), setAlerts(null, null)]))
      .when(announceExpiring())
      .thenNothing();
    spec()
      .given(history([open(), purchase('p-soon', '5', { expiresAt: at(5) }), usage('u-1', 11)]))
      .when(announceExpiring())
      .thenNothing();
  });

  it('keeps only grants still open in the announced list (it never grows past the live grants)', () => {
    const events = history([...grants(), announceExpiring(), announceExpiring(T0 + 3 * DAY)]);
    expect(stateOf(events).alerts.announcedExpiring).toEqual(['p-soon', 'p-later']);
    const later = history([
      ...grants(),
      announceExpiring(),
      usage('u-x', 1, { now: T0 + 6 * DAY }),
      announceExpiring(T0 + 6 * DAY),
    ]);
    expect(stateOf(later).alerts.announcedExpiring).toEqual(['p-later']);
  });
});

describe('snapshot format 6 carries the alerts slice', () => {
  it('round-trips settings, the outstanding request and the month count', () => {
    const events = [...history(funded()), ...decided(history(funded()), usage('u-1', 11))];
    const state = stateOf([...events, ...decided(events, setAlerts('20', 3))]);
    const back = stateFromSnapshot(JSON.parse(JSON.stringify(snapshotOf(state))));
    expect(back.alerts).toEqual(state.alerts);
    expect(() => stateFromSnapshot({ ...snapshotOf(state), format: 5 })).toThrow(RangeError);
  });
});

function decided(events: readonly AccountEvent[], command: AccountCommand): readonly AccountEvent[] {
  const decision = accountDecider.decide(command, stateOf(events), context);
  if (decision.kind !== 'events') throw new Error(`${command.type}: ${JSON.stringify(decision)}`);
  return decision.events;
}

function lastTopUpId(events: readonly AccountEvent[]): string {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const e = events[i];
    if (e.type === 'TopUpRequested') return e.data.topUpId;
  }
  throw new Error('no top-up requested');
}
