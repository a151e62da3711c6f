import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

/** Every key of a JSON value, however deep. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)]);
}

interface Window {
  product: string;
  window: string;
  remaining: number;
  used: number;
  retired?: boolean;
}

/**
 * Issue 15: the timeline shows support what happened, not the ledger's bookkeeping (no request
 * fingerprints), and a retired product (sora in the shipped rate card) is marked, never shown as usable.
 */
describe('what support sees of an account (shipped rate card: sora retired)', () => {
  let ledger: TestLedger;
  let head: string;

  beforeAll(async () => {
    ledger = await startTestLedger();
    const service = ledger.as('service');
    await service.post('/v1/accounts', { accountId: 'acct-s', plan: 'plus' }).expect(201);
    await service
      .post('/v1/usage', {
        usageId: 'u-1',
        accountId: 'acct-s',
        product: 'codex',
        operation: 'cloud_task',
        quantity: 2,
      })
      .expect(201);
    const purchase = await service
      .post('/v1/accounts/acct-s/credits/purchases', {
        purchaseId: 'p-1',
        credits: '10',
        amountPaid: { amountMinor: 400, currency: 'USD' },
      })
      .expect(201);
    head = purchase.body.position as string;
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('GET /v1/accounts/{id}/timeline: no fingerprint in any item; the events keep their facts', async () => {
    const res = await ledger
      .as('support')
      .get(`/v1/accounts/acct-s/timeline?minPosition=${head}`)
      .expect(200);
    expect(res.body.items.map((item: { type: string }) => item.type)).toEqual([
      'AccountOpened',
      'UsageRecorded',
      'CreditsPurchased',
    ]);
    expect(keysOf(res.body.items)).not.toContain('fingerprint');
    expect(res.body.items[1].data).toMatchObject({
      usageId: 'u-1',
      product: 'codex',
      quantity: 2,
      allowanceUnits: 10,
    });
    expect(res.body.items[2].data).toMatchObject({ purchaseId: 'p-1', credits: '10' });
  });

  it('marks the retired product in every stateAfter: retired, nothing remaining; the others unmarked', async () => {
    const res = await ledger
      .as('support')
      .get(`/v1/accounts/acct-s/timeline?minPosition=${head}`)
      .expect(200);
    for (const item of res.body.items) {
      const windows = item.stateAfter.windows as Window[];
      const sora = windows.filter((w) => w.product === 'sora');
      expect(sora.length).toBeGreaterThan(0);
      for (const w of sora) expect(w).toMatchObject({ retired: true, remaining: 0 });
      for (const w of windows.filter((w) => w.product !== 'sora')) expect(w).not.toHaveProperty('retired');
    }
    expect(res.body.items[1].stateAfter.windows).toContainEqual(
      expect.objectContaining({ product: 'codex', window: '5h', used: 10, remaining: 140 }),
    );
  });

  it('GET /v1/accounts/{id} marks the retired product the same way', async () => {
    const res = await ledger.as('support').get(`/v1/accounts/acct-s?minPosition=${head}`).expect(200);
    const windows = res.body.windows as Window[];
    expect(windows.filter((w) => w.product === 'sora')).toEqual([
      expect.objectContaining({ window: 'daily', retired: true, remaining: 0 }),
    ]);
    expect(windows.find((w) => w.product === 'codex' && w.window === '5h')).toMatchObject({ remaining: 140 });
    expect(windows.find((w) => w.product === 'codex')).not.toHaveProperty('retired');
  });
});
