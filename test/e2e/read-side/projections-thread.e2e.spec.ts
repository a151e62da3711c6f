import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

/**
 * LEDGER_PROJECTIONS_THREAD: the default runs the projection runner on a worker thread (every
 * other read-side e2e suite); `main` keeps it on the request thread. Both must serve the same reads.
 */
describe.each(['main', 'worker'])('projection runner on the %s thread (e2e)', (thread) => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger({ LEDGER_PROJECTIONS_THREAD: thread });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('answers ?minPosition= reads, verifies clean and reports its position in /metrics', async () => {
    await ledger.as('service').post('/v1/accounts', { accountId: 't1', plan: 'plus' }).expect(201);
    const usage = await ledger
      .as('service')
      .post('/v1/usage', {
        usageId: 'u1',
        accountId: 't1',
        product: 'codex',
        operation: 'local_message',
        quantity: 3,
      })
      .expect(201);
    const position = usage.body.position as string;
    const journal = await ledger
      .as('finance')
      .get(`/v1/accounts/t1/journal?minPosition=${position}`)
      .expect(200);
    expect(journal.body.items.map((e: { type: string }) => e.type)).toEqual([
      'AccountOpened',
      'UsageRecorded',
    ]);
    expect((await ledger.as('finance').post('/v1/finance/verify').expect(200)).body).toMatchObject({
      ok: true,
      position,
    });
    const metrics = await ledger.as('admin').get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      new RegExp(`ledger_projection_position\\{projection="journal"\\} ${position}`),
    );
  });
});
