import { Logger } from '@nestjs/common';
import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { LedgerReadSide } from '@ledger/projections';
import { join } from 'node:path';
import { appendPoisonPurchase } from '../../projections/support/poison-events';
import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

interface FailureReport {
  projection: string;
  stream?: string;
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

  it('a poison event in the log (written past the door) quarantines its stream: other accounts read current at the head, the victim 503 naming it; /health 503, a metric, one error line; a rebuild brings it back', async () => {
    ledger = await startTestLedger();
    for (const accountId of ['victim', 'other'])
      await ledger.as('service').post('/v1/accounts', { accountId, plan: 'plus' }).expect(201);
    await purchase(ledger, 'victim', 'p-1');
    await purchase(ledger, 'other', 'p-2');
    expect((await ledger.http().get('/health').expect(200)).body).toMatchObject({
      status: 'ok',
      readSide: { status: 'ok', failures: [], quarantined: [] },
    });

    const log = new SqliteEventStore({ path: join(ledger.dataDir, 'events.sqlite') });
    const poison = (await appendPoisonPurchase(log, 'victim')).toString();
    await log.close();
    const head = await usage(ledger, 'other', 'u-1');

    // The other account's reads wait for the head and answer its current state: the read models'
    // checkpoints move on past the poison.
    const journal = await ledger
      .as('finance')
      .get(`/v1/accounts/other/journal?minPosition=${head}`)
      .expect(200);
    expect(journal.body.items.map((e: { type: string }) => e.type)).toEqual([
      'AccountOpened',
      'CreditsPurchased',
      'UsageRecorded',
    ]);
    const timeline = await ledger
      .as('support')
      .get(`/v1/accounts/other/timeline?minPosition=${head}`)
      .expect(200);
    expect(timeline.body.items.at(-1)).toMatchObject({ type: 'UsageRecorded', position: head });

    const health = await healthBecomes(ledger, 503);
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('degraded');
    const quarantined = health.body.readSide.quarantined as FailureReport[];
    expect(quarantined.length).toBeGreaterThan(0);
    expect(health.body.readSide.failures).toEqual(quarantined);
    for (const failure of quarantined)
      expect(failure).toMatchObject({
        kind: 'event',
        stream: 'account-victim',
        position: poison,
        reason: expect.stringMatching(/010000/),
      });
    expect(health.body.readSide.reason).toContain(
      `quarantined stream "account-victim" at position ${poison}`,
    );
    const stopped = quarantined.map((failure) => failure.projection);

    // The victim's reads through a quarantined read model never pretend to be current.
    const routes: Record<string, [string, string]> = {
      journal: ['finance', '/v1/accounts/victim/journal'],
      timeline: ['support', '/v1/accounts/victim/timeline'],
    };
    const served = stopped.filter((projection) => routes[projection] !== undefined);
    expect(served.length).toBeGreaterThan(0);
    for (const projection of served) {
      const [role, path] = routes[projection];
      for (const url of [path, `${path}?minPosition=${head}`]) {
        const res = await ledger
          .as(role as 'finance')
          .get(url)
          .expect(503);
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
        expect(res.body.quarantine).toMatchObject({
          projection,
          stream: 'account-victim',
          position: poison,
          reason: expect.stringMatching(/010000/),
        });
      }
    }
    for (const projection of Object.keys(routes).filter((name) => !stopped.includes(name))) {
      const [role, path] = routes[projection];
      await ledger
        .as(role as 'finance')
        .get(`${path}?minPosition=${head}`)
        .expect(200);
    }

    const metrics = (await ledger.http().get('/metrics').expect(200)).text;
    for (const projection of stopped) {
      expect(metrics).toMatch(
        new RegExp(`ledger_projection_failures_total\\{projection="${projection}",kind="event"\\} 1\\n`),
      );
      expect(metrics).toMatch(
        new RegExp(`ledger_projection_quarantined_streams\\{projection="${projection}"\\} 1`),
      );
      // It still follows the log for every other stream: not stalled, no lag.
      expect(metrics).toMatch(new RegExp(`ledger_projection_stalled\\{projection="${projection}"\\} 0`));
      expect(metrics).toMatch(
        new RegExp(`ledger_projection_lag_events\\{projection="${projection}"\\} 0\\n`),
      );
    }
    // One error line per quarantine.
    const lines = errors.mock.calls.map((call) => String(call[0]));
    expect(
      lines.filter((line) => line.includes(`cannot apply the event at position ${poison}`)),
    ).toHaveLength(stopped.length);

    // verify never passes while a stream is quarantined, and names it.
    const verify = await ledger.as('finance').post('/v1/finance/verify').expect(200);
    expect(verify.body.ok).toBe(false);
    expect(verify.body.quarantined.map((q: FailureReport) => [q.projection, q.stream, q.position])).toEqual(
      [...stopped].sort().map((projection) => [projection, 'account-victim', poison]),
    );

    // A rebuild lifts the quarantines; the poison is still there, so they come back.
    await ledger.app.get(LedgerReadSide).rebuild();
    await ledger.as('finance').get(`/v1/accounts/other/journal?minPosition=${head}`).expect(200);
    const again = await healthBecomes(ledger, 503);
    expect(
      (again.body.readSide.quarantined as FailureReport[])
        .map((q) => [q.projection, q.stream, q.position])
        .sort(),
    ).toEqual([...stopped].sort().map((projection) => [projection, 'account-victim', poison]));
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
    // A storage fault is no event's: no stream is quarantined for it.
    expect(health.body.readSide.quarantined).toEqual([]);
    expect((health.body.readSide.failures as FailureReport[]).every((f) => f.stream === undefined)).toBe(
      true,
    );
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
