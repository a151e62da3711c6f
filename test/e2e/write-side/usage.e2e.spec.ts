import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

const HOUR = 3_600_000;

describe.each(ENGINES)('usage (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const head = async () => (await ledger.http().get('/health').expect(200)).body.position as string;
  const usage = (id: string, over: Record<string, unknown> = {}) => ({
    usageId: id,
    accountId: 'acct-u',
    product: 'codex',
    operation: 'local_message',
    quantity: 1,
    ...over,
  });

  beforeAll(async () => {
    ledger = await startTestLedger({}, { engine });
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-u', plan: 'plus' }).expect(201);
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('accepts usage within the allowance (201) with windows, balance and a position', async () => {
    const res = await ledger
      .as('service')
      .post('/v1/usage', usage('u-1', { quantity: 3, surface: 'cli' }))
      .expect(201);
    expect(res.body).toMatchObject({
      usageId: 'u-1',
      outcome: 'accepted',
      reason: null,
      charged: { allowanceUnits: 3, credits: '0', allocations: [] },
      credits: { balance: '0' },
    });
    expect(res.body.windows.map((w: { window: string; used: number }) => [w.window, w.used])).toEqual([
      ['5h', 3],
      ['weekly', 3],
    ]);
    expect(BigInt(res.body.position)).toBeGreaterThan(0n);
  });

  it('a retry with the same body answers 200, Idempotent-Replayed, the original body; another body is 409', async () => {
    const first = await ledger.as('service').post('/v1/usage', usage('u-2')).expect(201);
    const before = await head();
    const again = await ledger.as('service').post('/v1/usage', usage('u-2')).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    await ledger
      .as('service')
      .post('/v1/usage', usage('u-2', { quantity: 2 }))
      .expect(409);
    expect(await head()).toBe(before);
  });

  it('rejects overage without credits (402) with the reason, requiredCredits and resetsAt; the rejection is replayed', async () => {
    // 5h window of plus/codex is 150 units: use what is left, then one more cloud task.
    const account = await ledger.as('service').get('/v1/accounts/acct-u').expect(200);
    const left = account.body.windows.find((w: { window: string }) => w.window === '5h').remaining as number;
    await ledger
      .as('service')
      .post('/v1/usage', usage('u-fill', { quantity: left }))
      .expect(201);
    const rejected = await ledger
      .as('service')
      .post('/v1/usage', usage('u-over', { operation: 'cloud_task' }))
      .expect(402);
    expect(rejected.body).toMatchObject({
      outcome: 'rejected',
      reason: 'insufficient_credits',
      charged: { allowanceUnits: 0, credits: '0', allocations: [] },
      requiredCredits: '25',
    });
    expect(rejected.body.resetsAt).toBe(rejected.body.windows[0].resetsAt);
    const replay = await ledger
      .as('service')
      .post('/v1/usage', usage('u-over', { operation: 'cloud_task' }))
      .expect(402);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(rejected.body);
  });

  it('charges overage to purchased credits with allocations per grant, exact to the micro-credit', async () => {
    await ledger
      .as('service')
      .post('/v1/accounts/acct-u/credits/purchases', {
        purchaseId: 'p-1',
        credits: '100.5',
        amountPaid: { amountMinor: 4000, currency: 'USD' },
      })
      .expect(201);
    const res = await ledger
      .as('service')
      .post('/v1/usage', usage('u-paid', { operation: 'cloud_task', quantity: 2 }))
      .expect(201);
    expect(res.body).toMatchObject({
      outcome: 'accepted',
      charged: { allowanceUnits: 0, credits: '50', allocations: [{ grantId: 'p-1', credits: '50' }] },
      credits: { balance: '50.5' },
    });
    const tokens = await ledger
      .as('service')
      .post('/v1/usage', usage('u-tokens', { operation: 'gpt-5.5:output_tokens', quantity: 1001 }))
      .expect(201);
    expect(tokens.body.charged.allowanceUnits).toBe(0);
    expect(tokens.body.charged.credits).toMatch(/^\d+(\.\d{1,6})?$/);
  });

  it('opens fresh windows once the 5-hour window has passed (simulated clock)', async () => {
    await ledger.advanceClock(5 * HOUR);
    const res = await ledger.as('service').post('/v1/usage', usage('u-after')).expect(201);
    const fiveHour = res.body.windows.find((w: { window: string }) => w.window === '5h');
    expect(fiveHour.used).toBe(1);
    expect(res.body.charged).toMatchObject({ allowanceUnits: 1, credits: '0' });
  });

  it('refuses unknown products and operations, retired products, strings for numbers and unknown fields (400), appending nothing', async () => {
    const before = await head();
    const cases: [Record<string, unknown>, string][] = [
      [usage('b-1', { product: 'nope' }), 'product'],
      [usage('b-2', { operation: 'nope' }), 'operation'],
      [usage('b-3', { product: 'sora', operation: 'video_second' }), 'product'],
      [usage('b-4', { quantity: '5' }), 'quantity'],
      [usage('b-5', { quantity: 0 }), 'quantity'],
      [usage('b-6', { quantity: 1_000_000_001 }), 'quantity'],
      [usage('b-7', { quantity: 1.5 }), 'quantity'],
      [usage('b-8', { extra: 1 }), 'extra'],
      [usage('b-9', { occurredAt: 'yesterday' }), 'occurredAt'],
      [usage('b 10'), 'usageId'],
      [usage('b-11', { occurredAt: '2020-01-01T00:00:00Z' }), 'occurredAt'],
    ];
    for (const [body, field] of cases) {
      const res = await ledger.as('service').post('/v1/usage', body).expect(400);
      expect((res.body.fields as { field: string }[]).map((f) => f.field)).toContain(field);
    }
    await ledger
      .as('service')
      .post('/v1/usage')
      .set('content-type', 'application/json')
      .send('{"usageId":')
      .expect(400);
    await ledger
      .as('service')
      .post('/v1/usage', usage('b-404', { accountId: 'nobody' }))
      .expect(404);
    expect(await head()).toBe(before);
  });

  it('refuses an oversized body with 413 and only the service role may record usage', async () => {
    const huge = { records: Array.from({ length: 1 }, () => ({ pad: 'x'.repeat(3 * 1024 * 1024) })) };
    await ledger.as('service').post('/v1/usage/batch', huge).expect(413);
    for (const role of ['admin', 'finance', 'support'] as const) {
      await ledger.as(role).post('/v1/usage', usage('r-1')).expect(403);
    }
  });

  it('POST /v1/usage/batch answers each record in input order; a bad record never fails the others', async () => {
    const res = await ledger
      .as('service')
      .post('/v1/usage/batch', {
        records: [
          usage('bt-1'),
          usage('bt-2', { quantity: 'x' }),
          usage('bt-3', { accountId: 'nobody' }),
          usage('u-1', { quantity: 3, surface: 'cli' }),
          usage('bt-1'),
          usage('bt-4', { operation: 'cloud_task', quantity: 1000 }),
        ],
      })
      .expect(200);
    const results = res.body.results as { status: number; usageId: string; outcome?: string }[];
    expect(results.map((r) => r.status)).toEqual([201, 400, 404, 200, 200, 402]);
    expect(results.map((r) => r.usageId)).toEqual(['bt-1', 'bt-2', 'bt-3', 'u-1', 'bt-1', 'bt-4']);
    expect(results[5].outcome).toBe('rejected');
    await ledger.as('service').post('/v1/usage/batch', { records: [] }).expect(400);
    await ledger
      .as('service')
      .post('/v1/usage/batch', { records: Array.from({ length: 1001 }, (_, i) => usage(`many-${i}`)) })
      .expect(400);
  });
});
