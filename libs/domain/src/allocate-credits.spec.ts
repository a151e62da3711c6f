import { DAY, grant, history, open, purchase, spec, T0, usage } from './testing/fixtures';
import { isoOf } from './time';

/** 11 local messages on plus: 10 from the allowance, 1 over = 5 credits. */
const overOneMessage = (usageId = 'u-1', now = T0) => usage(usageId, 11, { now });

describe('allocateCredits — burn order (SPEC §2 Recording usage 3)', () => {
  it('draws lower priority numbers first', () => {
    spec()
      .given(
        history([open(), grant('g-late', '5', { priority: 200 }), grant('g-first', '5', { priority: 10 })]),
      )
      .when(overOneMessage())
      .thenMatches([{ data: { allocations: [{ grantId: 'g-first', credits: '5' }] } }]);
  });

  it('then earlier expiry first, never-expiring last', () => {
    spec()
      .given(
        history([
          open(),
          grant('g-never', '5'),
          grant('g-later', '5', { expiresAt: isoOf(T0 + 20 * DAY) }),
          grant('g-sooner', '5', { expiresAt: isoOf(T0 + 10 * DAY) }),
        ]),
      )
      .when(overOneMessage())
      .thenMatches([{ data: { allocations: [{ grantId: 'g-sooner', credits: '5' }] } }]);
  });

  it('then promotional before purchased', () => {
    const expiresAt = isoOf(T0 + 30 * DAY); // the purchase default, so expiry ties
    spec()
      .given(history([open(), purchase('p-1', '5'), grant('g-1', '5', { expiresAt })]))
      .when(overOneMessage())
      .thenMatches([{ data: { allocations: [{ grantId: 'g-1', credits: '5' }] } }]);
  });

  it('then grant time, then grant id', () => {
    spec()
      .given(history([open(), grant('g-b', '5', { now: T0 - 2 }), grant('g-a', '5', { now: T0 - 1 })]))
      .when(overOneMessage())
      .thenMatches([{ data: { allocations: [{ grantId: 'g-b', credits: '5' }] } }]);
    spec()
      .given(history([open(), grant('g-b', '5'), grant('g-a', '5')]))
      .when(overOneMessage())
      .thenMatches([{ data: { allocations: [{ grantId: 'g-a', credits: '5' }] } }]);
  });

  it('splits a charge across grants and records each share', () => {
    spec()
      .given(history([open(), grant('g-1', '2', { priority: 1 }), grant('g-2', '10', { priority: 2 })]))
      .when(overOneMessage())
      .thenMatches([
        {
          data: {
            creditsCharged: '5',
            allocations: [
              { grantId: 'g-1', credits: '2' },
              { grantId: 'g-2', credits: '3' },
            ],
            balanceAfter: '7',
          },
        },
      ]);
  });

  it('only draws grants that apply to the product (no products = all products)', () => {
    spec()
      .given(
        history([
          open(),
          grant('g-excel', '50', { priority: 0, products: ['chatgpt_excel'] }),
          grant('g-all', '5'),
        ]),
      )
      .when(overOneMessage())
      .thenMatches([{ data: { allocations: [{ grantId: 'g-all', credits: '5' }], balanceAfter: '50' } }]);
  });

  it('is all or nothing: a shortfall charges nothing and rejects as insufficient_credits', () => {
    spec()
      .given(history([open(), grant('g-1', '4.999999')]))
      .when(overOneMessage())
      .thenMatches([
        {
          type: 'UsageRejected',
          data: {
            reason: 'insufficient_credits',
            requiredCredits: '5',
            balanceAfter: '4.999999',
            windows: [{ used: 0 }, { used: 0 }],
          },
        },
      ]);
  });
});
