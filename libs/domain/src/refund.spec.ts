import { refundAmountMinor } from './refund';
import { grant, history, open, purchase, refund, spec, usage } from './testing/fixtures';

describe('refunds (SPEC §2 Credits: RefundPurchase)', () => {
  it('refunds the unused remainder, money pro rata in integer minor units rounded down', () => {
    // 10 credits for 999 cents; 5 used → 5 unused → 499.5 cents → 499
    spec()
      .given(history([open(), purchase('p-1', '10', { amountMinor: 999 }), usage('u-1', 11)]))
      .when(refund('r-1', 'p-1'))
      .thenMatches([
        {
          type: 'PurchaseRefunded',
          data: {
            refundId: 'r-1',
            purchaseId: 'p-1',
            credits: '5',
            amountRefunded: { amountMinor: 499, currency: 'USD' },
          },
        },
      ]);
  });

  it('refunds an untouched purchase in full', () => {
    expect(refundAmountMinor(999, 10_000_000n, 10_000_000n)).toBe(999);
    expect(refundAmountMinor(999, 10_000_000n, 0n)).toBe(0);
  });

  it('stops the refunded purchase from being drawn', () => {
    spec()
      .given(history([open(), purchase('p-1', '10'), refund('r-1', 'p-1')]))
      .when(usage('u-1', 11))
      .thenMatches([{ type: 'UsageRejected', data: { reason: 'insufficient_credits', balanceAfter: '0' } }]);
  });

  it('answers not_found for an unknown purchase or a promotional grant', () => {
    spec()
      .given(history([open()]))
      .when(refund('r-1', 'p-404'))
      .thenError('not_found');
    spec()
      .given(history([open(), grant('g-1', '5')]))
      .when(refund('r-1', 'g-1'))
      .thenError('not_found');
  });

  it('answers conflict for a purchase already refunded under another refund id', () => {
    spec()
      .given(history([open(), purchase('p-1', '10'), refund('r-1', 'p-1')]))
      .when(refund('r-2', 'p-1'))
      .thenError('conflict');
  });

  it('replays a repeated refund id', () => {
    spec()
      .given(history([open(), purchase('p-1', '10'), refund('r-1', 'p-1')]))
      .when(refund('r-1', 'p-1'))
      .thenReplay(2);
  });
});
