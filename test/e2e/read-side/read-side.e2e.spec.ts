import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

interface Posting {
  ledgerAccount: string;
  amount: string;
}

describe.each(ENGINES)('read side (e2e, real HTTP server) [%s]', (engine) => {
  let ledger: TestLedger;
  let position: string;

  beforeAll(async () => {
    ledger = await startTestLedger({}, { engine });
    const service = ledger.as('service');
    await service.post('/v1/accounts', { accountId: 'alice', plan: 'plus' }).expect(201);
    await service
      .post('/v1/accounts/alice/credits/purchases', {
        purchaseId: 'p-1',
        credits: '100',
        amountPaid: { amountMinor: 1000, currency: 'USD' },
      })
      .expect(201);
    for (let i = 0; i < 4; i++) {
      const res = await service.post('/v1/usage', {
        usageId: `u-${i}`,
        accountId: 'alice',
        product: 'codex',
        operation: 'cloud_task',
        quantity: 20,
      });
      expect([201, 402]).toContain(res.status);
      position = res.body.position as string;
    }
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('GET timeline waits for ?minPosition=, pages by cursor and shows the state after each event', async () => {
    const first = await ledger
      .as('support')
      .get(`/v1/accounts/alice/timeline?minPosition=${position}&limit=2`)
      .expect(200);
    expect(first.body.items.map((i: { type: string }) => i.type)).toEqual([
      'AccountOpened',
      'CreditsPurchased',
    ]);
    expect(first.body.items[1].stateAfter).toMatchObject({ plan: 'plus', balance: '100' });
    const rest = await ledger
      .as('finance')
      .get(`/v1/accounts/alice/timeline?cursor=${first.body.nextCursor}`)
      .expect(200);
    expect(rest.body.items).toHaveLength(4);
    expect(rest.body.nextCursor).toBeNull();
    const asOf = await ledger
      .as('support')
      .get('/v1/accounts/alice/timeline?asOf=2026-11-01T00:00:00Z')
      .expect(200);
    expect(asOf.body.stateAsOf).toMatchObject({ plan: 'plus' });
  });

  it('GET journal: balanced entries whose customer postings end at the balance', async () => {
    const res = await ledger
      .as('finance')
      .get(`/v1/accounts/alice/journal?minPosition=${position}`)
      .expect(200);
    const items = res.body.items as { postings: Posting[]; endingBalance: string }[];
    expect(items).toHaveLength(6);
    const account = await ledger.as('support').get('/v1/accounts/alice').expect(200);
    expect(items[items.length - 1].endingBalance).toBe(account.body.credits.balance);
    await ledger.as('support').get('/v1/accounts/alice/journal?limit=1').expect(200);
  });

  it('GET trial-balance sums to zero', async () => {
    const res = await ledger
      .as('finance')
      .get(`/v1/finance/trial-balance?minPosition=${position}`)
      .expect(200);
    expect(res.body.total).toBe('0');
    expect(res.body.ledgerAccounts.deferred_revenue).toBe('-100');
    expect(res.body.position).toBe(position);
  });

  it('GET export streams CSV and JSONL', async () => {
    const csv = await ledger.as('finance').get('/v1/finance/export?format=csv').expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\n')[0]).toMatch(/^entry_id,position,recorded_at/);
    const jsonl = await ledger.as('finance').get('/v1/finance/export?format=jsonl').expect(200);
    expect(jsonl.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = jsonl.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { position: string });
    expect(lines.map((l) => l.position)).toEqual(
      [...lines.map((l) => l.position)].sort((a, b) => Number(a) - Number(b)),
    );
  });

  it('POST verify replays the log and finds the live read models identical', async () => {
    const res = await ledger.as('finance').post('/v1/finance/verify').expect(200);
    expect(res.body).toMatchObject({ ok: true, mismatches: [], position });
    // AccountOpened, CreditsPurchased and four usages (positions are sparse on EventStoreDB).
    expect(res.body.eventsReplayed).toBe(6);
  });

  it('enforces roles, validates parameters and answers 404 for unknown accounts', async () => {
    await ledger.http().get('/v1/finance/trial-balance').expect(401);
    await ledger.as('service').get('/v1/accounts/alice/timeline').expect(403);
    await ledger.as('support').get('/v1/finance/trial-balance').expect(403);
    await ledger.as('support').post('/v1/finance/verify').expect(403);
    await ledger.as('admin').get('/v1/finance/export').expect(403);
    const bad = await ledger
      .as('support')
      .get('/v1/accounts/alice/timeline?cursor=x&limit=0&bogus=1')
      .expect(400);
    expect(new Set((bad.body.fields as { field: string }[]).map((f) => f.field))).toEqual(
      new Set(['cursor', 'limit', 'bogus']),
    );
    await ledger.as('finance').get('/v1/finance/export?format=xml').expect(400);
    await ledger.as('support').get('/v1/accounts/nobody/timeline').expect(404);
    await ledger.as('finance').get('/v1/accounts/alice/journal?minPosition=abc').expect(400);
  });

  it('answers 503 when the read models do not reach ?minPosition= within the bound', async () => {
    const started = Date.now();
    await ledger.as('finance').get('/v1/finance/trial-balance?minPosition=999999').expect(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
  });

  it('exposes projection position and lag in /metrics', async () => {
    const metrics = await ledger.http().get('/metrics').expect(200);
    expect(metrics.text).toContain(`ledger_projection_position{projection="journal"} ${position}`);
    expect(metrics.text).toContain('ledger_projection_lag_events{projection="timeline"} 0');
    expect(metrics.text).toContain('ledger_projection_events_applied_total');
  });

  it('resumes from its checkpoint after a restart on the same files', async () => {
    ledger = await ledger.restart();
    const res = await ledger
      .as('finance')
      .get(`/v1/finance/trial-balance?minPosition=${position}`)
      .expect(200);
    expect(res.body).toMatchObject({ total: '0', position });
    expect((await ledger.as('finance').post('/v1/finance/verify').expect(200)).body.ok).toBe(true);
  });
});
