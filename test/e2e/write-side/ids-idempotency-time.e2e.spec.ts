import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

/** Issue 14, items 8, 14 and 17: ids combined without ambiguity, normalised idempotency, the log's time. */
describe.each(ENGINES)('ids, idempotency and the ledger time (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const purchase = (accountId: string, purchaseId: string, over: Record<string, unknown> = {}) =>
    ledger.as('service').post(`/v1/accounts/${accountId}/credits/purchases`, {
      purchaseId,
      credits: '10.5',
      amountPaid: { amountMinor: 1000, currency: 'USD' },
      ...over,
    });

  beforeEach(async () => {
    ledger = await startTestLedger({}, { engine });
  });
  afterEach(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('keeps account acme:prod + purchase u1 apart from account acme + purchase prod:u1 (both 201)', async () => {
    for (const accountId of ['acme:prod', 'acme']) {
      await ledger.as('service').post('/v1/accounts', { accountId, plan: 'plus' }).expect(201);
    }
    await purchase('acme:prod', 'u1').expect(201);
    await purchase('acme', 'prod:u1').expect(201);
    const usage = (accountId: string, usageId: string) =>
      ledger
        .as('service')
        .post('/v1/usage', { usageId, accountId, product: 'codex', operation: 'local_message', quantity: 1 });
    await usage('acme:prod', 'x').expect(201);
    await usage('acme', 'prod:x').expect(201);
    await purchase('acme', 'prod:u1').expect(200);
  });

  it('takes the same request spelled differently as a replay, and names the caller’s id in a 409', async () => {
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct', plan: 'plus' }).expect(201);
    const first = await purchase('acct', 'p1').expect(201);
    const respelled = await purchase('acct', 'p1', { credits: '10.500000' }).expect(200);
    expect(respelled.headers['idempotent-replayed']).toBe('true');
    expect(respelled.body).toEqual(first.body);
    const conflict = await purchase('acct', 'p1', { credits: '11' }).expect(409);
    const text = JSON.stringify(conflict.body);
    expect(text).toContain('purchaseId p1 was already used with a different request');
    expect(text).not.toContain('purchase:');

    const usage = (extra: Record<string, unknown>) =>
      ledger.as('service').post('/v1/usage', {
        usageId: 'u-s',
        accountId: 'acct',
        product: 'codex',
        operation: 'local_message',
        quantity: 1,
        ...extra,
      });
    const absent = await usage({}).expect(201);
    const nullSurface = await usage({ surface: null });
    expect(nullSurface.status).toBe(200);
    expect(nullSurface.body).toEqual(absent.body);
  });

  it('continues from the log’s time when the simulated clock restarts behind it', async () => {
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct', plan: 'plus' }).expect(201);
    await ledger.advanceClock(7_200_000);
    const before = await purchase('acct', 'before-restart').expect(201);
    // A restart starts the simulated clock again at LEDGER_CLOCK_START, two hours behind the log.
    ledger = await ledger.restart();
    const after = await purchase('acct', 'after-restart').expect(201);
    expect(Date.parse(after.body.recordedAt)).toBeGreaterThanOrEqual(Date.parse(before.body.recordedAt));
    const clock = await ledger.as('admin').post('/v1/admin/clock', { advanceMs: 0 }).expect(200);
    expect(JSON.stringify(clock.body)).toContain(new Date(Date.parse(before.body.recordedAt)).toISOString());
  });
});
