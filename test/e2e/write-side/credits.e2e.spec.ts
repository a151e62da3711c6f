import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

describe.each(ENGINES)('credits (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const base = '/v1/accounts/acct-c';
  const purchase = (id: string, over: Record<string, unknown> = {}) => ({
    purchaseId: id,
    credits: '10',
    amountPaid: { amountMinor: 1000, currency: 'USD' },
    ...over,
  });

  beforeAll(async () => {
    ledger = await startTestLedger({}, { engine });
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-c', plan: 'plus' }).expect(201);
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('purchases credits (201), replays them (200), refuses another body under the same id (409)', async () => {
    const first = await ledger.as('service').post(`${base}/credits/purchases`, purchase('p-1')).expect(201);
    expect(first.body).toMatchObject({
      purchaseId: 'p-1',
      credits: '10',
      amountPaid: { amountMinor: 1000, currency: 'USD' },
    });
    const again = await ledger.as('service').post(`${base}/credits/purchases`, purchase('p-1')).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    await ledger
      .as('service')
      .post(`${base}/credits/purchases`, purchase('p-1', { credits: '11' }))
      .expect(409);
    await ledger.as('admin').post(`${base}/credits/purchases`, purchase('p-2')).expect(403);
  });

  it('refuses bad credit amounts and money with 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [purchase('b-1', { credits: '0' }), 'credits'],
      [purchase('b-2', { credits: '1.1234567' }), 'credits'],
      [purchase('b-3', { credits: '1000000001' }), 'credits'],
      [purchase('b-4', { credits: 10 }), 'credits'],
      [purchase('b-5', { credits: '1e3' }), 'credits'],
      [purchase('b-6', { amountPaid: { amountMinor: 10.5, currency: 'USD' } }), 'amountPaid.amountMinor'],
      [purchase('b-7', { amountPaid: { amountMinor: 10, currency: 'usd' } }), 'amountPaid.currency'],
      [purchase('b-8', { expiresAt: '2020-01-01T00:00:00Z' }), 'expiresAt'],
      [purchase('b-9', { products: ['nope'] }), 'products'],
    ];
    for (const [body, field] of cases) {
      const res = await ledger.as('service').post(`${base}/credits/purchases`, body).expect(400);
      expect((res.body.fields as { field: string }[]).map((f) => f.field).join(',')).toContain(field);
    }
    await ledger.as('service').post('/v1/accounts/nobody/credits/purchases', purchase('b-10')).expect(404);
  });

  it('grants promotional credits for admins only, burned before purchases at equal priority', async () => {
    await ledger
      .as('service')
      .post(`${base}/credits/grants`, { grantId: 'g-1', credits: '5', reason: 'promo' })
      .expect(403);
    const grant = await ledger
      .as('admin')
      .post(`${base}/credits/grants`, { grantId: 'g-1', credits: '5', reason: 'promo', priority: 100 })
      .expect(201);
    expect(grant.body).toMatchObject({ grantId: 'g-1', credits: '5', reason: 'promo', priority: 100 });
    await ledger
      .as('admin')
      .post(`${base}/credits/grants`, { grantId: 'g-2', credits: '5', reason: 'x', priority: 1001 })
      .expect(400);
    const account = await ledger.as('finance').get(base).expect(200);
    expect(account.body.credits.balance).toBe('15');
  });

  it('refunds the unused remainder of a purchase (201, replay 200), 404 for an unknown purchase, admin only', async () => {
    await ledger
      .as('service')
      .post(
        `${base}/credits/purchases`,
        purchase('p-r', { credits: '20', amountPaid: { amountMinor: 2000, currency: 'EUR' } }),
      )
      .expect(201);
    const url = `${base}/credits/purchases/p-r/refunds`;
    await ledger.as('service').post(url, { refundId: 'rf-1', reason: 'asked' }).expect(403);
    const refund = await ledger.as('admin').post(url, { refundId: 'rf-1', reason: 'asked' }).expect(201);
    expect(refund.body).toMatchObject({
      refundId: 'rf-1',
      purchaseId: 'p-r',
      credits: '20',
      amountRefunded: { amountMinor: 2000, currency: 'EUR' },
    });
    const again = await ledger.as('admin').post(url, { refundId: 'rf-1', reason: 'asked' }).expect(200);
    expect(again.body).toEqual(refund.body);
    await ledger.as('admin').post(url, { refundId: 'rf-2', reason: 'twice' }).expect(409);
    await ledger
      .as('admin')
      .post(`${base}/credits/purchases/nope/refunds`, { refundId: 'rf-3', reason: 'x' })
      .expect(404);
  });

  it('sets and clears the spending cap (200); usage over the cap is rejected with spending_cap_reached', async () => {
    const cap = await ledger.as('service').put(`${base}/spending-cap`, { creditsPerMonth: '1' }).expect(200);
    expect(cap.body).toMatchObject({ accountId: 'acct-c', creditsPerMonth: '1' });
    await ledger.as('service').put(`${base}/spending-cap`, {}).expect(400);
    await ledger.as('service').put(`${base}/spending-cap`, { creditsPerMonth: '-1' }).expect(400);
    const over = await ledger
      .as('service')
      .post('/v1/usage', {
        usageId: 'u-cap',
        accountId: 'acct-c',
        product: 'codex',
        operation: 'gpt-5.5:output_tokens',
        quantity: 2000,
      })
      .expect(402);
    expect(over.body.reason).toBe('spending_cap_reached');
    await ledger.as('admin').put(`${base}/spending-cap`, { creditsPerMonth: null }).expect(200);
    const ok = await ledger
      .as('service')
      .post('/v1/usage', {
        usageId: 'u-cap-2',
        accountId: 'acct-c',
        product: 'codex',
        operation: 'gpt-5.5:output_tokens',
        quantity: 2000,
      })
      .expect(201);
    expect(ok.body.charged.credits).toBe('1.5');
  });

  it('writes off expired credits of an idle account when time passes (scheduler), visible in the account and timeline', async () => {
    const expiresAt = new Date(Date.parse('2026-11-01T00:00:00Z') + 3 * 86_400_000).toISOString();
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-exp', plan: 'plus' }).expect(201);
    await ledger
      .as('admin')
      .post('/v1/accounts/acct-exp/credits/grants', {
        grantId: 'g-exp',
        credits: '7.25',
        reason: 'trial',
        expiresAt,
      })
      .expect(201);
    await ledger.advanceClock(4 * 86_400_000);
    const account = await ledger.as('support').get('/v1/accounts/acct-exp').expect(200);
    expect(account.body.credits.balance).toBe('0');
    expect(account.body.credits.grants[0]).toMatchObject({
      grantId: 'g-exp',
      status: 'expired',
      remaining: '0',
    });
    const head = (await ledger.http().get('/health').expect(200)).body.position as string;
    const timeline = await ledger
      .as('support')
      .get(`/v1/accounts/acct-exp/timeline?minPosition=${head}`)
      .expect(200);
    const expired = (timeline.body.items as { type: string; data: { credits: string } }[]).find(
      (i) => i.type === 'CreditsExpired',
    );
    expect(expired?.data.credits).toBe('7.25');
  });
});
