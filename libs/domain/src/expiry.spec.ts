import { cap, DAY, expire, grant, history, open, purchase, spec, T0, usage } from './testing/fixtures';
import { isoOf } from './time';

const EXPIRY = T0 + 10 * DAY;

describe('expiry (SPEC §2 Credits: written off, never silently)', () => {
  it('ExpireCredits writes off each expired remainder as CreditsExpired and does nothing else', () => {
    spec()
      .given(history([open(), grant('g-1', '7', { expiresAt: isoOf(EXPIRY) }), grant('g-2', '3')]))
      .when(expire(EXPIRY))
      .thenMatches([
        {
          type: 'CreditsExpired',
          data: { grantId: 'g-1', credits: '7', expiresAt: isoOf(EXPIRY), recordedAt: isoOf(EXPIRY) },
        },
      ]);
  });

  it('ExpireCredits with nothing expired appends nothing', () => {
    spec()
      .given(history([open(), grant('g-1', '7', { expiresAt: isoOf(EXPIRY) })]))
      .when(expire(EXPIRY - 1))
      .thenNothing();
  });

  it('writes off expired grants lazily before any other command', () => {
    spec()
      .given(history([open(), grant('g-1', '7', { expiresAt: isoOf(EXPIRY) })]))
      .when(cap('50', EXPIRY + 1))
      .thenMatches([{ type: 'CreditsExpired', data: { grantId: 'g-1' } }, { type: 'SpendingCapSet' }]);
  });

  it('never draws an expired grant, even before the write-off event', () => {
    spec()
      .given(history([open(), grant('g-1', '7', { expiresAt: isoOf(EXPIRY) }), purchase('p-1', '5')]))
      .when(usage('u-1', 11, { now: EXPIRY }))
      .thenMatches([
        { type: 'CreditsExpired', data: { grantId: 'g-1', credits: '7' } },
        {
          type: 'UsageRecorded',
          data: { allocations: [{ grantId: 'p-1', credits: '5' }], balanceAfter: '0' },
        },
      ]);
  });

  it('writes off only the unused remainder, once', () => {
    const given = history([
      open(),
      grant('g-1', '7', { expiresAt: isoOf(EXPIRY) }),
      usage('u-1', 11),
      expire(EXPIRY),
    ]);
    expect(given.filter((e) => e.type === 'CreditsExpired').map((e) => e.data)).toMatchObject([
      { credits: '2' },
    ]);
    spec()
      .given(given)
      .when(expire(EXPIRY + DAY))
      .thenNothing();
  });

  it('gives a purchase the default expiry from rateCard.credits.defaultExpiryDays', () => {
    spec()
      .given(history([open()]))
      .when(purchase('p-1', '5'))
      .thenMatches([{ type: 'CreditsPurchased', data: { expiresAt: isoOf(T0 + 30 * DAY) } }]);
  });

  it('appends no write-off on a replay or an error', () => {
    const given = history([open(), grant('g-1', '7', { expiresAt: isoOf(EXPIRY) })]);
    spec()
      .given(given)
      .when(grant('g-1', '7', { expiresAt: isoOf(EXPIRY), now: EXPIRY + 1 }))
      .thenReplay(1);
    spec()
      .given(given)
      .when(usage('u-1', 1, { now: EXPIRY + 1, product: 'nope' }))
      .thenError('invalid', ['product']);
  });
});
