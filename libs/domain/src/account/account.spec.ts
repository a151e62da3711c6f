import { ACCOUNT, cap, changePlan, history, open, purchase, spec, T0, usage } from '../testing/fixtures';
import { isoOf } from '../time';

describe('accounts (SPEC §2 Accounts)', () => {
  it('OpenAccount records AccountOpened with ledger time and rate card version', () => {
    spec()
      .given([])
      .when(open('plus'))
      .then([
        {
          type: 'AccountOpened',
          data: {
            accountId: ACCOUNT,
            plan: 'plus',
            fingerprint: `fp:${JSON.stringify({ accountId: ACCOUNT, plan: 'plus' })}`,
            recordedAt: isoOf(T0),
            rateCardVersion: 'test-1',
            actor: 'tester',
          },
        },
      ]);
  });

  it('OpenAccount again with the same plan replays AccountOpened (revision 0)', () => {
    spec()
      .given(history([open('plus')]))
      .when(open('plus', T0 + 1))
      .thenReplay(0);
  });

  it('OpenAccount with another plan is a conflict', () => {
    spec()
      .given(history([open('plus')]))
      .when(open('pro'))
      .thenError('conflict');
  });

  it('OpenAccount retried after a plan change replays AccountOpened; with the current plan it is a conflict', () => {
    const changed = history([open('plus'), changePlan('pro')]);
    spec()
      .given(changed)
      .when(open('plus', T0 + 2))
      .thenReplay(0);
    spec()
      .given(changed)
      .when(open('pro', T0 + 2))
      .thenError('conflict');
  });

  it('OpenAccount with an unknown plan is invalid', () => {
    spec().given([]).when(open('platinum')).thenError('invalid', ['plan']);
  });

  it('every other command on an account that is not open is not_found', () => {
    for (const command of [usage('u-1', 1), purchase('p-1', '1'), cap('1'), changePlan('pro')]) {
      spec().given([]).when(command).thenError('not_found');
    }
  });

  it('ChangePlan records PlanChanged, and to the current plan appends nothing', () => {
    spec()
      .given(history([open('plus')]))
      .when(changePlan('pro'))
      .thenMatches([{ type: 'PlanChanged', data: { from: 'plus', to: 'pro' } }]);
    spec()
      .given(history([open('plus')]))
      .when(changePlan('plus'))
      .thenNothing();
    spec()
      .given(history([open('plus')]))
      .when(changePlan('gold'))
      .thenError('invalid', ['plan']);
  });
});
