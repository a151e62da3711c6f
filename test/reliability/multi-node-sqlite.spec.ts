import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logViolations, readLedgerLog } from './support/ledger-log';
import { freePort, LedgerServer } from './support/server-process';

/**
 * Issue 14 items 1, 2 and 13 on the embedded engine: two server processes on one SQLite file are
 * two nodes on one log, each with its own cache and clock.
 */
describe('two server processes on one SQLite file', () => {
  let dir: string;
  let a: LedgerServer;
  let b: LedgerServer;
  const usage = (usageId: string, accountId: string, quantity = 1) =>
    ({
      method: 'POST',
      path: '/v1/usage',
      body: { usageId, accountId, product: 'codex', operation: 'cloud_task', quantity },
    }) as const;
  const reset = (resetId: string) =>
    ({
      method: 'POST',
      path: '/v1/limits/resets',
      body: { resetId, scope: 'all', reason: 'incident' },
    }) as const;
  const open = (accountId: string) =>
    a.client.as('service')({ method: 'POST', path: '/v1/accounts', body: { accountId, plan: 'plus' } });
  const advance = (server: LedgerServer, advanceMs: number) =>
    server.client.as('admin')({ method: 'POST', path: '/v1/admin/clock', body: { advanceMs } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-multi-node-'));
    const env = { LEDGER_CLOCK: 'simulated', LEDGER_CLOCK_START: '2026-11-01T00:00:00.000Z' };
    a = new LedgerServer({ dataDir: dir, port: await freePort(), env });
    b = new LedgerServer({ dataDir: dir, port: await freePort(), env });
    await Promise.all([a.start(), b.start()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('never charges the 150-unit window more than 150 units when both decide the same usages', async () => {
    expect((await open('w')).status).toBe(201);
    await advance(b, 60_000);
    for (let i = 0; i < 40; i += 4) {
      const ids = [i, i + 1, i + 2, i + 3].map((n) => `u-${n}`);
      const answers = await Promise.all(
        ids.flatMap((id) => [a, b].map((server) => server.client.as('service')(usage(id, 'w')))),
      );
      for (let k = 0; k < answers.length; k += 2) expect(answers[k + 1].json).toEqual(answers[k].json);
    }
    const log = readLedgerLog(dir);
    const charged = (log.accounts.get('w') ?? [])
      .filter((e) => e.type === 'UsageRecorded')
      .reduce((sum, e) => sum + (e.type === 'UsageRecorded' ? e.data.allowanceUnits : 0), 0);
    expect(charged).toBe(150);
    expect(logViolations(log)).toEqual([]);
  }, 60_000);

  it('answers a reset retried on the other process with the original outcome', async () => {
    expect((await open('r')).status).toBe(201);
    expect((await b.client.as('service')(usage('warm', 'r'))).status).toBe(201);
    await advance(b, 60_000);
    const original = await a.client.as('admin')(reset('r-retried'));
    const retried = await b.client.as('admin')(reset('r-retried'));
    expect(original.status).toBe(201);
    expect({ status: retried.status, body: retried.json }).toEqual({ status: 200, body: original.json });
  }, 60_000);

  it('decides a usage on one process right after a reset on the other against that reset', async () => {
    await advance(a, 60_000);
    for (const round of [1, 2, 3]) {
      const accountId = `after-${round}`;
      expect((await open(accountId)).status).toBe(201);
      expect((await b.client.as('service')(usage(`fill-${round}`, accountId, 30))).status).toBe(201);
      expect((await b.client.as('service')(usage(`over-${round}`, accountId))).status).toBe(402);
      await advance(a, 1_000);
      expect((await a.client.as('admin')(reset(`r-after-${round}`))).status).toBe(201);
      const after = await b.client.as('service')(usage(`after-${round}`, accountId));
      expect({ status: after.status, body: after.json }).toMatchObject({
        status: 201,
        body: { charged: { allowanceUnits: 5 } },
      });
    }
  }, 60_000);
});
