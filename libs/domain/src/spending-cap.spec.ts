import { cap, DAY, history, open, purchase, spec, T0, usage } from './testing/fixtures';

const DEC_1 = Date.parse('2026-12-01T00:00:00.000Z');

describe('spending cap (SPEC §2 Credits, per UTC calendar month)', () => {
  it('records the cap (SpendingCapSet) and appends nothing when it is set to its current value', () => {
    spec()
      .given(history([open()]))
      .when(cap('10'))
      .thenMatches([{ type: 'SpendingCapSet', data: { creditsPerMonth: '10', previous: null } }]);
    spec()
      .given(history([open(), cap('10')]))
      .when(cap('10.000000'))
      .thenNothing();
    spec()
      .given(history([open()]))
      .when(cap(null))
      .thenNothing();
  });

  it('rejects usage whose overage would pass the cap (spending_cap_reached), charging nothing', () => {
    spec()
      .given(history([open(), purchase('p-1', '100'), cap('12'), usage('u-1', 12)]))
      .when(usage('u-2', 1))
      .thenMatches([
        {
          type: 'UsageRejected',
          data: { reason: 'spending_cap_reached', requiredCredits: '5', balanceAfter: '90' },
        },
      ]);
  });

  it('allows spending exactly up to the cap', () => {
    spec()
      .given(history([open(), purchase('p-1', '100'), cap('15'), usage('u-1', 12)]))
      .when(usage('u-2', 1))
      .thenMatches([{ type: 'UsageRecorded', data: { creditsCharged: '5' } }]);
  });

  it('starts counting again in the next UTC calendar month', () => {
    const lateNov = DEC_1 - 1;
    spec()
      .given(
        history([
          open('plus', T0),
          purchase('p-1', '100', { now: T0 }),
          cap('10', T0),
          usage('u-1', 12, { now: lateNov - DAY }),
        ]),
      )
      .when(usage('u-2', 12, { now: DEC_1 }))
      .thenMatches([{ type: 'UsageRecorded', data: { creditsCharged: '10' } }]);
  });

  it('takes precedence over insufficient_credits (adding credits would not help)', () => {
    spec()
      .given(history([open(), cap('1')]))
      .when(usage('u-1', 11))
      .thenMatches([{ data: { reason: 'spending_cap_reached' } }]);
  });

  it('lifts the cap with null', () => {
    spec()
      .given(history([open(), purchase('p-1', '100'), cap('0'), cap(null)]))
      .when(usage('u-1', 11))
      .thenMatches([{ type: 'UsageRecorded' }]);
  });

  it('refuses a malformed cap', () => {
    spec()
      .given(history([open()]))
      .when(cap('-1'))
      .thenError('invalid', ['creditsPerMonth']);
  });
});
