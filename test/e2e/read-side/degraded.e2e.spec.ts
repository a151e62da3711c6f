import { Logger } from '@nestjs/common';
import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { LedgerReadSide } from '@ledger/projections';
import { join } from 'node:path';
import { appendPoisonPurchase } from '../../projections/support/poison-events';
import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

interface FailureReport {
  projection: string;
  kind: string;
  position: string;
  reason: string;
}

/** Polls GET /health (bounded; no fixed sleep) until it answers `status`. */
async function healthBecomes(ledger: TestLedger, status: number, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await ledger.http().get('/health');
    if (res.status === status || Date.now() > deadline) return res;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const purchase = (ledger: TestLedger, accountId: string, purchaseId: string) =>
  ledger
    .as('service')
    .post(`/v1/accounts/${accountId}/credits/purchases`, {
      purchaseId,
      credits: '100',
      amountPaid: { amountMinor: 1000, currency: 'USD' },
    })
    .expect(201);

const usage = async (ledger: TestLedger, accountId: string, usageId: string) =>
  (
    await ledger
      .as('service')
      .post('/v1/usage', { usageId, accountId, product: 'codex', operation: 'local_message', quantity: 1 })
      .expect(201)
  ).body.position as string;

/**
 * SPEC §10: a projection that meets an event it cannot apply, or storage it cannot write, does not
 * stop silently: /health is degraded (503) naming projection, position and reason, it is a metric
 * and an error log line, the other read models keep moving, and a storage failure heals by itself.
 */
describe('read side degraded, never silently (e2e)', () => {
  let ledger: TestLedger;
  let errors: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error');
  });
  afterEach(async () => {
    errors.mockRestore();
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('a poison event in the log (written past the door): 503 /health naming it, a metric, an error line; the rest moves on', async () => {
    ledger = await startTestLedger();
    for (const accountId of ['victim', 'other'])
      await ledger.as('service').post('/v1/accounts', { accountId, plan: 'plus' }).expect(201);
    await purchase(ledger, 'victim', 'p-1');
    await purchase(ledger, 'other', 'p-2');
    expect((await ledger.http().get('/health').expect(200)).body).toMatchObject({
      status: 'ok',
      readSide: { status: 'ok', failures: [] },
    });

    const log = new SqliteEventStore({ path: join(ledger.dataDir, 'events.sqlite') });
    const poison = (await appendPoisonPurchase(log, 'victim')).toString();
    await log.close();
    const after = await usage(ledger, 'other', 'u-1');

    const health = await healthBecomes(ledger, 503);
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('degraded');
    const failures = health.body.readSide.failures as FailureReport[];
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures)
      expect(failure).toMatchObject({
        kind: 'event',
        position: poison,
        reason: expect.stringMatching(/010000/),
      });
    expect(health.body.readSide.reason).toContain(`stopped at position ${poison}`);
    const stopped = failures.map((failure) => failure.projection);

    const metrics = (await ledger.http().get('/metrics').expect(200)).text;
    for (const projection of stopped) {
      expect(metrics).toMatch(
        new RegExp(`ledger_projection_failures_total\\{projection="${projection}",kind="event"\\} [1-9]`),
      );
      expect(metrics).toMatch(new RegExp(`ledger_projection_stalled\\{projection="${projection}"\\} 1`));
      // Lag counts events (the poison and the usage after it), not position units.
      expect(metrics).toMatch(
        new RegExp(`ledger_projection_lag_events\\{projection="${projection}"\\} 2\\n`),
      );
    }
    expect(metrics).toMatch(/ledger_projection_stalled\{projection="[a-z-]+"\} 0/);
    const lines = errors.mock.calls.map((call) => String(call[0]));
    expect(lines.some((line) => line.includes(`cannot apply the event at position ${poison}`))).toBe(true);

    // The projections that can apply what follows keep moving: the other account's usage is there.
    const moving = (await ledger.app.get(LedgerReadSide).runner.positions()) as ReadonlyMap<string, bigint>;
    const movers = [...moving.keys()].filter((name) => !stopped.includes(name));
    expect(movers.length).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      !movers.every((name) => ledger.app.get(LedgerReadSide).runner.positions().get(name) === BigInt(after))
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    for (const name of movers)
      expect(ledger.app.get(LedgerReadSide).runner.positions().get(name)).toBe(BigInt(after));
    if (movers.includes('journal')) {
      const journal = await ledger.as('finance').get('/v1/accounts/other/journal').expect(200);
      expect(journal.body.items.map((e: { type: string }) => e.type)).toContain('UsageRecorded');
    }

    // verify never passes while the read side is stuck behind the log.
    const verify = await ledger.as('finance').post('/v1/finance/verify').expect(200);
    expect(verify.body.ok).toBe(false);
    expect(verify.body.readSide).toMatchObject({ status: 'behind' });
  });

  it('a read-model file that cannot be written (disk full): 503 /health, then ok again by itself once it has room', async () => {
    // On the request thread, so the test holds the runner's own connection to cap the file's size.
    ledger = await startTestLedger({ LEDGER_PROJECTIONS_THREAD: 'main' });
    await ledger.as('service').post('/v1/accounts', { accountId: 'a', plan: 'plus' }).expect(201);
    await purchase(ledger, 'a', 'p-1');
    const db = ledger.app.get(LedgerReadSide).db;
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true }))}`);
    let last = '';
    for (let i = 0; i < 100; i++) last = await usage(ledger, 'a', `u-${i}`);

    const health = await healthBecomes(ledger, 503);
    expect(health.status).toBe(503);
    expect(health.body.readSide.failures[0]).toMatchObject({
      kind: 'storage',
      reason: expect.stringMatching(/SQLITE_FULL/),
    });
    expect((await ledger.http().get('/metrics')).text).toMatch(
      /ledger_projection_failures_total\{projection="[a-z-]+",kind="storage"\} [1-9]/,
    );
    expect(errors.mock.calls.some((call) => /SQLITE_FULL|full/i.test(String(call[0])))).toBe(true);

    db.pragma('max_page_count = 1073741823');
    expect((await healthBecomes(ledger, 200)).body).toMatchObject({
      status: 'ok',
      readSide: { failures: [] },
    });
    const account = await ledger.as('support').get(`/v1/accounts/a?minPosition=${last}`).expect(200);
    expect(account.body.windows[0]).toMatchObject({ used: 100 });
    expect((await ledger.as('finance').post('/v1/finance/verify').expect(200)).body.ok).toBe(true);
  });
});
