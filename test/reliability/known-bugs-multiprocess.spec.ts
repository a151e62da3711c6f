import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logViolations, readLedgerLog } from './support/ledger-log';
import { freePort, LedgerServer } from './support/server-process';

// Bug (libs/event-store/src/command-handling/stream-command-handler.ts, decideAndAppend, with
// sqlite-append-writer.ts replayedResult): a server whose cached account state is one command
// behind decides a retried command afresh; its event ids equal the stored ones, so the store
// reports an idempotent replay, and the handler takes that as "my events were appended": it
// answers 201 with its own decision (not the logged one) and folds its own events into its cache.
// The cache then differs from the log, and the next command is decided on a state the log never
// had. Fixed in 37af8aa (a stale writer's colliding append is a conflict, not a replay): the first
// two tests were `it.failing` reproductions and now guard the fix; so is the third since the
// runner re-reads its checkpoints in each batch's transaction. The servers start at the same
// instant (a node used to die at boot on SQLITE_BUSY). See docs/RELIABILITY.md "Findings" 1, 7, 8, 41.
describe('known bugs found by the reliability suite (two server processes, one file)', () => {
  let dir: string;
  let a: LedgerServer;
  let b: LedgerServer;
  const usage = (usageId: string, quantity: number, operation = 'local_message') =>
    ({
      method: 'POST',
      path: '/v1/usage',
      body: { usageId, accountId: 'x1', product: 'codex', operation, quantity },
    }) as const;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-known-bugs-'));
    const env = { LEDGER_CLOCK: 'simulated', LEDGER_CLOCK_START: '2026-11-01T00:00:00.000Z' };
    a = new LedgerServer({ dataDir: dir, port: await freePort(), env });
    b = new LedgerServer({ dataDir: dir, port: await freePort(), env });
    // At the same instant, on purpose: booting together on one data dir must not fail (Finding 8).
    await Promise.all([a.start(), b.start()]);
    expect(
      (
        await a.client.as('service')({
          method: 'POST',
          path: '/v1/accounts',
          body: { accountId: 'x1', plan: 'plus' },
        })
      ).status,
    ).toBe(201);
  }, 120_000);
  afterEach(async () => {
    await Promise.all([a.stop(), b.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a retry sent to another server with the original answer (200, Idempotent-Replayed, same body)', async () => {
    await b.client.as('admin')({ method: 'POST', path: '/v1/admin/clock', body: { advanceMs: 1_000 } });
    const first = await b.client.as('service')(usage('u1', 1));
    const retry = await a.client.as('service')(usage('u1', 1));
    expect(first.status).toBe(201);
    expect({
      status: retry.status,
      replayed: retry.headers['idempotent-replayed'],
      body: retry.json,
    }).toEqual({
      status: 200,
      replayed: 'true',
      body: first.json,
    });
  }, 60_000);

  // Was Finding 41 (found by holds-multi-node.spec.ts, seed 7, issue 17): a command retried on the
  // other server, whose cached state is the one the original was decided on, at the same instant (a
  // simulated clock; a real one in the same millisecond), decides byte-identical events with identical
  // ids; the store took the append as an idempotent replay and the server answered 201 with the
  // original body, not 200 with Idempotent-Replayed. Now the store flags the replay
  // (AppendResult.replayed) and the handler reads the log and answers the recorded outcome.
  const sameInstantRetries = [
    [
      'a hold placement',
      {
        method: 'POST',
        path: '/v1/holds',
        body: {
          holdId: 'h1',
          accountId: 'x1',
          product: 'codex',
          lines: [{ operation: 'local_message', quantity: 2 }],
        },
      },
    ],
    ['a usage', usage('u1', 1)],
  ] as const;
  it.each(sameInstantRetries)(
    'answers %s retried on another server at the same instant with 200 and Idempotent-Replayed',
    async (_name, request) => {
      expect((await a.client.as('support')({ method: 'GET', path: '/v1/accounts/x1' })).status).toBe(200); // A caches it
      const first = await b.client.as('service')(request);
      const retry = await a.client.as('service')(request);
      expect(first.status).toBe(201);
      expect({
        status: retry.status,
        replayed: retry.headers['idempotent-replayed'],
        body: retry.json,
      }).toEqual({
        status: 200,
        replayed: 'true',
        body: first.json,
      });
      // Nothing appended twice, and A's cache is the log: its next command lands where B's view says.
      const again = await b.client.as('service')(request);
      expect({ status: again.status, body: again.json }).toEqual({ status: 200, body: first.json });
      const next = await a.client.as('service')(usage('u-next', 1));
      expect(next.status).toBe(201);
      expect(logViolations(readLedgerLog(dir))).toEqual([]);
    },
    60_000,
  );

  // The same bug across a window boundary: server A (its clock past the 5-hour window) answers a
  // retry as "allowance, 0 credits" while the log says 50 credits were charged; A's cache keeps
  // those 50 credits, and A's next usage spends them: the log's grant goes negative.
  it('never lets a grant in the log go below zero when retries cross servers at a window boundary', async () => {
    const purchase = {
      purchaseId: 'p1',
      credits: '100',
      amountPaid: { amountMinor: 10_000, currency: 'USD' },
    };
    await a.client.as('service')({
      method: 'POST',
      path: '/v1/accounts/x1/credits/purchases',
      body: purchase,
    });
    expect((await b.client.as('service')(usage('u1', 150))).status).toBe(201); // the 5h window is full
    expect((await a.client.as('support')({ method: 'GET', path: '/v1/accounts/x1' })).status).toBe(200); // A caches it
    const charged = await b.client.as('service')(usage('u2', 10)); // overage: 50 credits from p1
    expect(charged.json).toMatchObject({ outcome: 'accepted', charged: { credits: '50' } });
    await a.client.as('admin')({
      method: 'POST',
      path: '/v1/admin/clock',
      body: { advanceMs: 5 * 3_600_000 + 1 },
    });
    await a.client.as('service')(usage('u2', 10)); // the retry, on A
    await a.client.as('service')(usage('u3', 106_667, 'gpt-5.5:output_tokens')); // 80.00025 credits
    expect(logViolations(readLedgerLog(dir))).toEqual([]);
  }, 60_000);

  // Was a bug (Finding 7): every node on one SQLite log shares <LEDGER_DATA_DIR>/read-models.sqlite,
  // and a runner applied a batch without re-reading the checkpoint another process had moved: it
  // failed on "UNIQUE constraint failed: journal_entries.position" or "database is locked" and
  // stopped, and its node answered 503 to every ?minPosition read. Now each batch takes the write
  // lock, re-reads the checkpoints and skips what the other node applied.
  it('serves read-your-writes reads on every server sharing one data dir', async () => {
    for (let i = 0; i < 40; i += 1) {
      const server = i % 2 === 0 ? a : b;
      await server.client.as('service')(usage(`r${i}`, 1));
    }
    const head = await a.client.position();
    for (const server of [a, b]) {
      const path = `/v1/accounts/x1?minPosition=${head}`;
      const answer = await server.client.as('support')({ method: 'GET', path });
      expect({ status: answer.status, errors: server.errors }).toEqual({ status: 200, errors: '' });
    }
  }, 60_000);

  // Was Finding 9: a malformed body went through Nest's ExceptionsHandler and was logged at level
  // error although answered 400, so any client could fill the error log. Client errors raised
  // before Nest sees the request are now answered by LedgerErrorFilter and logged at debug.
  it('answers malformed, oversized and mistyped bodies with a 4xx and logs no error', async () => {
    const post = (rawBody: string | Buffer, contentType = 'application/json') =>
      a.client.as('service')({
        method: 'POST',
        path: '/v1/usage',
        rawBody,
        headers: { 'content-type': contentType },
      });
    const answers = [
      await post('{"usageId": "m1", '),
      await post('{"usageId": "m1", "__proto__": {}}'),
      await post(Buffer.alloc(3 * 1024 * 1024, 0x20)),
      await post('usageId=m1', 'application/x-www-form-urlencoded'),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([400, 400, 413, 415]);
    for (const answer of answers)
      expect(answer.json).toMatchObject({ statusCode: answer.status, message: expect.any(String) as string });
    expect(a.errors).toBe('');
  }, 60_000);
});
