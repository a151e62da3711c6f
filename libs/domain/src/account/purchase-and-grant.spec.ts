import { DAY, grant, history, open, purchase, spec, T0 } from '../testing/fixtures';
import { isoOf } from '../time';

describe('PurchaseCredits and GrantCredits (SPEC §2 Credits)', () => {
  it('records CreditsPurchased, effective immediately, scope all products by default, priority 100', () => {
    spec()
      .given(history([open()]))
      .when(purchase('p-1', '12.50', { amountMinor: 1250 }))
      .thenMatches([
        {
          type: 'CreditsPurchased',
          data: {
            purchaseId: 'p-1',
            credits: '12.5',
            amountPaid: { amountMinor: 1250, currency: 'USD' },
            products: null,
            priority: 100,
          },
        },
      ]);
  });

  it('records CreditsGranted with its priority, never expiring unless told', () => {
    spec()
      .given(history([open()]))
      .when(grant('g-1', '5', { priority: 7, products: ['codex'] }))
      .thenMatches([
        {
          type: 'CreditsGranted',
          data: {
            grantId: 'g-1',
            credits: '5',
            priority: 7,
            expiresAt: null,
            products: ['codex'],
            reason: 'promo',
          },
        },
      ]);
  });

  it('replays a repeated purchase/grant id with the same payload and refuses a different one', () => {
    spec()
      .given(history([open(), purchase('p-1', '10')]))
      .when(purchase('p-1', '10', { now: T0 + DAY }))
      .thenReplay(1);
    spec()
      .given(history([open(), purchase('p-1', '10')]))
      .when(purchase('p-1', '11'))
      .thenError('conflict');
    spec()
      .given(history([open(), grant('g-1', '10')]))
      .when(grant('g-1', '10'))
      .thenReplay(1);
  });

  it('refuses an id already used by the other kind of grant (allocations name grants by id)', () => {
    spec()
      .given(history([open(), grant('x-1', '10')]))
      .when(purchase('x-1', '10'))
      .thenError('conflict');
  });

  it('names each bad field', () => {
    spec()
      .given(history([open()]))
      .when(purchase('p-1', '0', { amountMinor: -1, expiresAt: isoOf(T0), products: ['sora', 'nope'] }))
      .thenError('invalid', ['credits', 'amountPaid.amountMinor', 'expiresAt', 'products.0', 'products.1']);
    spec()
      .given(history([open()]))
      .when(grant('g-1', '1000000000.000001', { priority: 1001 }))
      .thenError('invalid', ['credits', 'priority']);
  });
});
