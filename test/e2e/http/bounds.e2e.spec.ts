import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

/**
 * SPEC §10 at the door: every time is an ISO-8601 instant within 1970-01-01T00:00:00Z..
 * 9999-12-31T23:59:59.999Z (in UTC, after the offset), every cursor, position and limit is in range;
 * anything else is a 400 naming the field, and nothing is appended. Before these bounds, an expiry in
 * year 10000 (UTC) was appended and answered 500, and the account could never be read again.
 */
describe('bounds at the door (e2e)', () => {
  let ledger: TestLedger;
  const account = '/v1/accounts/acct-b';
  const head = async () => (await ledger.http().get('/health').expect(200)).body.position as string;
  const fieldsOf = (body: { fields?: { field: string }[] }) => (body.fields ?? []).map((f) => f.field);

  beforeAll(async () => {
    ledger = await startTestLedger();
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-b', plan: 'plus' }).expect(201);
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  const TOO_LATE = [
    '9999-12-31T23:59:59-01:00', // year 10000 in UTC
    '9999-12-31T23:00:00-23:59',
    '+010000-01-01T00:00:00Z',
    '275760-09-13T00:00:00Z',
  ];
  const TOO_EARLY = ['1969-12-31T23:59:59.999Z', '1970-01-01T00:30:00+01:00', '0000-01-01T00:00:00Z'];

  it('refuses an expiry beyond 9999-12-31 UTC (purchase and grant) with 400 naming expiresAt, appending nothing', async () => {
    const before = await head();
    for (const [i, expiresAt] of TOO_LATE.entries()) {
      const purchase = await ledger.as('service').post(`${account}/credits/purchases`, {
        purchaseId: `p-far-${i}`,
        credits: '10',
        amountPaid: { amountMinor: 1000, currency: 'USD' },
        expiresAt,
      });
      expect({ expiresAt, status: purchase.status }).toEqual({ expiresAt, status: 400 });
      expect(fieldsOf(purchase.body)).toContain('expiresAt');
      const grant = await ledger
        .as('admin')
        .post(`${account}/credits/grants`, { grantId: `g-far-${i}`, credits: '1', reason: 'x', expiresAt });
      expect({ expiresAt, status: grant.status }).toEqual({ expiresAt, status: 400 });
      expect(fieldsOf(grant.body)).toContain('expiresAt');
    }
    expect(await head()).toBe(before);
    await ledger.as('support').get(account).expect(200);
  });

  it('accepts the last representable instant as an expiry', async () => {
    await ledger
      .as('admin')
      .post(`${account}/credits/grants`, {
        grantId: 'g-edge',
        credits: '1',
        reason: 'edge',
        expiresAt: '9999-12-31T23:59:59.999Z',
      })
      .expect(201);
    const view = await ledger.as('support').get(account).expect(200);
    expect(view.body.credits.grants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ grantId: 'g-edge', expiresAt: '9999-12-31T23:59:59.999Z' }),
      ]),
    );
  });

  it('refuses occurredAt outside the bounds with 400 naming it', async () => {
    const before = await head();
    for (const [i, occurredAt] of [...TOO_LATE, ...TOO_EARLY].entries()) {
      const res = await ledger.as('service').post('/v1/usage', {
        usageId: `u-far-${i}`,
        accountId: 'acct-b',
        product: 'codex',
        operation: 'local_message',
        quantity: 1,
        occurredAt,
      });
      expect({ occurredAt, status: res.status }).toEqual({ occurredAt, status: 400 });
      expect(fieldsOf(res.body)).toContain('occurredAt');
    }
    expect(await head()).toBe(before);
  });

  it('refuses asOf, from and to outside the bounds with 400 naming them', async () => {
    const cases: [string, string, string][] = [];
    for (const time of [...TOO_LATE, ...TOO_EARLY]) {
      const t = encodeURIComponent(time);
      cases.push([`${account}/timeline?asOf=${t}`, 'asOf', 'support']);
      cases.push([`${account}/journal?from=${t}`, 'from', 'finance']);
      cases.push([`${account}/journal?to=${t}`, 'to', 'finance']);
      cases.push([`/v1/finance/export?from=${t}`, 'from', 'finance']);
      cases.push([`/v1/finance/export?to=${t}&format=csv`, 'to', 'finance']);
    }
    for (const [url, field, role] of cases) {
      const res = await ledger.as(role as 'support' | 'finance').get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(fieldsOf(res.body)).toContain(field);
    }
  });

  it('refuses a simulated clock set or advanced beyond the bounds (400 naming the field), the clock unmoved', async () => {
    for (const now of [...TOO_LATE, ...TOO_EARLY]) {
      const res = await ledger.as('admin').post('/v1/admin/clock', { now });
      expect({ now, status: res.status }).toEqual({ now, status: 400 });
      expect(fieldsOf(res.body)).toContain('now');
    }
    for (const advanceMs of [Number.MAX_SAFE_INTEGER, 1e300, 253_402_300_800_000]) {
      const res = await ledger.as('admin').post('/v1/admin/clock', { advanceMs });
      expect({ advanceMs, status: res.status }).toEqual({ advanceMs, status: 400 });
      expect(fieldsOf(res.body)).toContain('advanceMs');
    }
    const moved = await ledger.as('admin').post('/v1/admin/clock', { advanceMs: 0 }).expect(200);
    expect(moved.body.now).toBe('2026-11-01T00:00:00.000Z');
  });

  const BAD_NUMBERS = [
    '99999999999999999999',
    '9223372036854775808',
    '-1',
    'abc',
    '1e3',
    '1.5',
    ' 1',
    '0x10',
  ];

  it('refuses cursors, limits and positions out of range on every GET route with 400, never 500', async () => {
    const routes: [string, 'support' | 'finance'][] = [
      [`${account}`, 'support'],
      [`${account}/timeline`, 'support'],
      [`${account}/journal`, 'finance'],
      ['/v1/finance/trial-balance', 'finance'],
      ['/v1/finance/export', 'finance'],
      [`${account}/entitlements?product=codex&operation=local_message&quantity=1`, 'support'],
    ];
    const paged = new Set([`${account}/timeline`, `${account}/journal`]);
    for (const [route, role] of routes) {
      const join = route.includes('?') ? '&' : '?';
      const params = paged.has(route) ? ['minPosition', 'cursor', 'limit'] : ['minPosition'];
      for (const param of params) {
        for (const value of BAD_NUMBERS) {
          const url = `${route}${join}${param}=${encodeURIComponent(value)}`;
          const res = await ledger.as(role).get(url);
          expect({ url, status: res.status }).toEqual({ url, status: 400 });
          expect(fieldsOf(res.body)).toContain(param);
        }
      }
    }
    const maxPosition = '9223372036854775807';
    const page = await ledger.as('support').get(`${account}/timeline?cursor=${maxPosition}`).expect(200);
    expect(page.body.items).toEqual([]);
    await ledger.as('support').get(`${account}/timeline?limit=0`).expect(400);
    await ledger.as('support').get(`${account}/timeline?limit=1001`).expect(400);
  });

  it('refuses a quantity beyond range on the entitlement dry run with 400', async () => {
    for (const quantity of ['99999999999999999999', '-1', 'abc', '1e3']) {
      const res = await ledger
        .as('support')
        .get(`${account}/entitlements?product=codex&operation=local_message&quantity=${quantity}`);
      expect({ quantity, status: res.status }).toEqual({ quantity, status: 400 });
    }
  });
});
