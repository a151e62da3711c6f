import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

/**
 * LEDGER_SQLITE_WRITER: group commits on the request thread (default) or on a writer thread of
 * their own. Same answers either way: a 201 is on disk, a retry replays, a window is charged once.
 */
describe.each(['inline', 'thread'])('SQLite writer %s (e2e)', (writer) => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger({ LEDGER_SQLITE_WRITER: writer });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('records concurrent usage once each, replays retries, and verifies clean', async () => {
    await ledger.as('service').post('/v1/accounts', { accountId: 'w1', plan: 'plus' }).expect(201);
    const usage = (n: number) => ({
      usageId: `u${n}`,
      accountId: 'w1',
      product: 'codex',
      operation: 'local_message',
      quantity: 1,
    });
    const first = await Promise.all(
      Array.from({ length: 20 }, (_, n) => ledger.as('service').post('/v1/usage', usage(n))),
    );
    expect(first.map((r) => r.status)).toEqual(Array(20).fill(201));
    const retried = await Promise.all(
      Array.from({ length: 20 }, (_, n) => ledger.as('service').post('/v1/usage', usage(n))),
    );
    expect(retried.map((r) => r.headers['idempotent-replayed'])).toEqual(Array(20).fill('true'));
    expect(retried.map((r) => r.body.position)).toEqual(first.map((r) => r.body.position));
    const positions = new Set(first.map((r) => r.body.position as string));
    expect(positions.size).toBe(20);
    const last = [...positions].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)).at(-1);
    const verify = await ledger.as('finance').post('/v1/finance/verify').expect(200);
    expect(verify.body).toMatchObject({ ok: true });
    const journal = await ledger
      .as('finance')
      .get(`/v1/accounts/w1/journal?minPosition=${last}&limit=100`)
      .expect(200);
    expect(journal.body.items.filter((e: { type: string }) => e.type === 'UsageRecorded')).toHaveLength(20);
  });
});
