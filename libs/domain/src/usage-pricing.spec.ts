import { history, open, purchase, spec, usage } from './testing/fixtures';

describe('usage pricing (SPEC §2 Recording usage 2–3)', () => {
  it('counts units = quantity × unitsPerQuantity', () => {
    spec()
      .given(history([open()]))
      .when(usage('u-1', 2, { operation: 'cloud_task' }))
      .thenMatches([
        { data: { quantity: 2, unitsPerQuantity: 3, units: 6, allowanceUnits: 6, creditsCharged: '0' } },
      ]);
  });

  it('charges the allowance first and prices the rest as overage', () => {
    spec()
      .given(history([open(), purchase('p-1', '100')]))
      .when(usage('u-1', 12))
      .thenMatches([
        {
          type: 'UsageRecorded',
          data: {
            units: 12,
            allowanceUnits: 10,
            overageUnits: 2,
            creditsCharged: '10',
            creditsPerQuantity: '5',
          },
        },
      ]);
  });

  it('prices a partial quantity of overage and rounds up to the micro-credit', () => {
    // cloud_task = 3 units at 1 credit: 9 allowance left of 10 → 3 tasks = 9 units, then 1 unit over = 1/3 credit
    spec()
      .given(history([open(), usage('u-0', 1), purchase('p-1', '1')]))
      .when(usage('u-1', 4, { operation: 'cloud_task' }))
      .thenMatches([{ data: { units: 12, allowanceUnits: 9, overageUnits: 3, creditsCharged: '1' } }]);
    spec()
      .given(history([open(), usage('u-0', 8), purchase('p-1', '1')]))
      .when(usage('u-1', 1, { operation: 'cloud_task' }))
      .thenMatches([{ data: { units: 3, allowanceUnits: 2, overageUnits: 1, creditsCharged: '0.333334' } }]);
  });

  it('charges credits-only operations (unitsPerQuantity 0) for the whole quantity, leaving windows untouched', () => {
    spec()
      .given(history([open(), purchase('p-1', '10')]))
      .when(usage('u-1', 1000, { operation: 'gpt-5.5:output_tokens' }))
      .thenMatches([
        {
          data: {
            units: 0,
            allowanceUnits: 0,
            overageUnits: 0,
            creditsCharged: '0.75',
            windows: [
              { used: 0, startedAt: null },
              { used: 0, startedAt: null },
            ],
            balanceAfter: '9.25',
          },
        },
      ]);
  });
});
