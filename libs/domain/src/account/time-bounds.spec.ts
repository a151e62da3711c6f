import { context, DAY, grant, history, HOUR, open, purchase, spec, T0, usage } from '../testing/fixtures';
import { isoOf, LATEST_LEDGER_TIME, msFromStored, parseIsoInstant } from '../time';

/**
 * SPEC §10 in the decider: every time it is given or derives lies within 1970..9999 UTC, whoever
 * calls it, so no path can append a time that cannot be read back (a year-10000 expiry printed as
 * `+010000-…` stopped the account and the projections for good).
 */
describe('time bounds in the account decider (SPEC §10)', () => {
  const atEdge = LATEST_LEDGER_TIME - HOUR; // 9999-12-31T22:59:59.999Z

  it('refuses an expiry in year 10000 UTC, even when written with a negative offset in 9999', () => {
    for (const expiresAt of [
      '9999-12-31T23:59:59-01:00',
      '+010000-01-01T00:00:00Z',
      '9999-12-31T23:30:00-00:31',
    ]) {
      spec()
        .given(history([open()]))
        .when(purchase('p-1', '1', { expiresAt }))
        .thenError('invalid', ['expiresAt']);
      spec()
        .given(history([open()]))
        .when(grant('g-1', '1', { expiresAt }))
        .thenError('invalid', ['expiresAt']);
    }
  });

  it('accepts the last instant of 9999 as an expiry, and it reads back', () => {
    const then = spec()
      .given(history([open()]))
      .when(grant('g-1', '1', { expiresAt: '9999-12-31T23:59:59.999Z' }));
    then.thenMatches([{ type: 'CreditsGranted', data: { expiresAt: '9999-12-31T23:59:59.999Z' } }]);
    expect(msFromStored('9999-12-31T23:59:59.999Z')).toBe(LATEST_LEDGER_TIME);
  });

  it('refuses a purchase whose default expiry (now + defaultExpiryDays) would pass 9999-12-31', () => {
    const now = LATEST_LEDGER_TIME - 10 * DAY; // the fixture rate card expires purchases after 30 days
    spec()
      .given(history([open('plus', now)]))
      .when(purchase('p-1', '1', { now }))
      .thenError('invalid', ['expiresAt']);
    // An explicit expiry within range is the way out.
    spec()
      .given(history([open('plus', now)]))
      .when(purchase('p-1', '1', { now, expiresAt: '9999-12-31T00:00:00Z' }))
      .thenMatches([{ type: 'CreditsPurchased', data: { expiresAt: '9999-12-31T00:00:00.000Z' } }]);
  });

  it('refuses usage that would open a window ending after 9999-12-31, naming the product', () => {
    // plus/codex has a 5h window: at one hour before the end of 9999 it would reset in year 10000.
    spec()
      .given(history([open('plus', atEdge)]))
      .when(usage('u-1', 1, { now: atEdge }))
      .thenError('invalid', ['product', 'product']);
  });

  it('refuses every command when the ledger clock itself is outside the range, appending nothing', () => {
    const beyond = LATEST_LEDGER_TIME + 1;
    spec().given([]).when(open('plus', beyond)).thenError('invalid', ['recordedAt']);
    spec()
      .given(history([open()]))
      .when(usage('u-1', 1, { now: beyond }))
      .thenError('invalid', ['recordedAt']);
    spec()
      .given(history([open()]))
      .when(grant('g-1', '1', { now: -1 }))
      .thenError('invalid', ['recordedAt']);
  });

  it('refuses occurredAt outside the range with its own message, before the ahead/behind rule', () => {
    const then = spec()
      .given(history([open()]))
      .when(usage('u-1', 1, { occurredAt: '1969-12-31T23:59:59Z' }));
    then.thenError('invalid', ['occurredAt']);
    expect(JSON.stringify(then.decision)).toContain('1970-01-01T00:00:00Z..9999-12-31T23:59:59.999Z');
  });

  it('parses only instants within the range; stored times are read as written', () => {
    expect(parseIsoInstant('9999-12-31T23:59:59-01:00')).toBeNull();
    expect(parseIsoInstant('1969-12-31T23:59:59Z')).toBeNull();
    expect(parseIsoInstant('1970-01-01T00:00:00Z')).toBe(0);
    expect(parseIsoInstant(isoOf(T0))).toBe(T0);
    // A time stored before the bounds (a clock started in 1960) stays readable.
    expect(msFromStored('1960-01-01T00:00:00.000Z')).toBe(Date.UTC(1960, 0, 1));
    expect(context.rateCard.credits.defaultExpiryDays).toBe(30);
  });
});
