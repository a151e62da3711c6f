import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../crash/seeded-random';
import { expectReadsToFoldTheLog, logViolations, readLedgerLog, usageKey } from './support/ledger-log';
import { RELIABILITY, reportFigures } from './support/reliability-env';
import { freePort, LedgerServer } from './support/server-process';
import { outcomeOf, runContentionClients } from './support/contention-workload';

// Several server processes on ONE SQLite file, several clients hammering the same few accounts,
// retries sent to other servers and concurrent duplicates (SPEC §5: no double charge under
// retries and concurrency). RELIABILITY_SEED replays a run.
const SEED = RELIABILITY.seed;
const ACCOUNTS = ['hot-0', 'hot-1', 'hot-2', 'hot-3'];

describe(`several servers on one SQLite file (seed ${SEED})`, () => {
  let dir: string;
  let servers: LedgerServer[] = [];

  beforeAll(async () => ({ dir, servers } = await startServersOnOneDir('ledger-contention-')), 120_000);
  afterAll(() => stopServers(dir, servers));

  it('never overdraws, never double-charges, and answers every retry with the logged outcome', async () => {
    const admin = servers[0].client.as('service');
    for (const accountId of ACCOUNTS) {
      expect(
        (await admin({ method: 'POST', path: '/v1/accounts', body: { accountId, plan: 'plus' } })).status,
      ).toBe(201);
    }
    const started = Date.now();
    const run = await runContentionClients(
      servers,
      ACCOUNTS,
      seededRandom(SEED),
      RELIABILITY.contentionOps,
      RELIABILITY.clients,
    );
    const seconds = (Date.now() - started) / 1000;

    // Every answer is one the contract allows for a well-formed request: no 5xx, no 409.
    const unexpected = run.answers.filter((a) => ![200, 201, 402].includes(a.answer.status));
    expect(unexpected.map((a) => `${a.answer.status} ${a.answer.raw.slice(0, 200)}`)).toEqual([]);

    const log = readLedgerLog(dir);
    expect(logViolations(log)).toEqual([]);
    // Each usage id is decided exactly once in the log, and every answer given for it (first try,
    // retries on other servers, concurrent duplicates) states that logged outcome and charge.
    const mismatches: string[] = [];
    for (const { accountId, usageId, answer } of run.answers.filter((a) => a.usageId !== undefined)) {
      const logged = log.usages.get(usageKey(accountId, usageId as string));
      if (logged === undefined) mismatches.push(`${usageId}: answered ${answer.status} but not in the log`);
      else if (JSON.stringify(outcomeOf(answer.json)) !== JSON.stringify(outcomeOf(loggedOutcome(logged)))) {
        mismatches.push(
          `${usageId}: answered ${JSON.stringify(outcomeOf(answer.json))}, log says ${JSON.stringify(outcomeOf(loggedOutcome(logged)))}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
    const usageIds = new Set(run.answers.filter((a) => a.usageId).map((a) => `${a.accountId}/${a.usageId}`));
    expect([...usageIds].filter((key) => !log.usages.has(key))).toEqual([]);

    // A fresh server on the same files must read every account exactly as the log folds it, and
    // finance verification must find the read models equal to a replay from position 0.
    await Promise.all(servers.map((server) => server.stop()));
    const reader = new LedgerServer({ dataDir: dir, port: await freePort() });
    servers.push(reader);
    await reader.start();
    await expectReadsToFoldTheLog(reader, log, ACCOUNTS);
    const verify = await reader.client.as('finance')({
      method: 'POST',
      path: '/v1/finance/verify',
      body: {},
    });
    expect({ status: verify.status, body: verify.json }).toMatchObject({
      status: 200,
      body: { ok: true, mismatches: [] },
    });
    expect(reader.errors).toBe('');
    reportFigures('contention', {
      seed: SEED,
      servers: RELIABILITY.servers,
      clients: RELIABILITY.clients,
      requests: run.answers.length,
      requestsPerSecond: Math.round(run.answers.length / seconds),
      retriesOnOtherServers: run.retries,
      concurrentDuplicates: run.duplicates,
      retryBodiesDifferentFromFirstAnswer: run.bodyMismatches,
      logEvents: Number(log.head),
      seconds,
    });
  }, 600_000);
});

describe(`many concurrent batches to one account on several servers (seed ${SEED})`, () => {
  let dir: string;
  let servers: LedgerServer[] = [];

  beforeAll(
    async () => ({ dir, servers } = await startServersOnOneDir('ledger-contention-batches-')),
    120_000,
  );
  afterAll(() => stopServers(dir, servers));

  // Once, 20 concurrent batches of 50 to one account killed a server process (issue 14). Every
  // batch goes to a server picked at random, every record of a batch to the same hot account, so
  // the three servers fight over one stream with up to 1,000 commands queued at once. Each item
  // must answer one of the statuses a batch item may have (a 503 only as "retry with the same
  // key"); the retries of 503 items must settle; no server may die; the log decides each usage once.
  it('survives many concurrent batches to one account: no dead server, each usage decided once', async () => {
    const accountId = 'batch-hot';
    const admin = servers[0].client.as('service');
    expect(
      (await admin({ method: 'POST', path: '/v1/accounts', body: { accountId, plan: 'pro' } })).status,
    ).toBe(201);
    const purchase = {
      purchaseId: 'batch-p',
      credits: '1000',
      amountPaid: { amountMinor: 40_000, currency: 'USD' },
    };
    const path = `/v1/accounts/${accountId}/credits/purchases`;
    expect((await admin({ method: 'POST', path, body: purchase })).status).toBe(201);

    const random = seededRandom(SEED + 1);
    const rounds = RELIABILITY.batchRounds;
    let retried = 0;
    const answered = new Map<string, unknown>();
    for (let round = 0; round < rounds; round += 1) {
      const batches = Array.from({ length: 20 }, (_, b) =>
        Array.from({ length: 50 }, (_, i) => ({
          usageId: `r${round}-b${b}-u${i}`,
          accountId,
          product: 'codex',
          operation: random() < 0.5 ? 'local_message' : 'cloud_task',
          quantity: 1 + Math.floor(random() * 3),
        })),
      );
      let pending = batches;
      for (let attempt = 0; pending.length > 0; attempt += 1) {
        expect(attempt).toBeLessThan(20);
        const answers = await Promise.all(
          pending.map((records) =>
            servers[Math.floor(random() * servers.length)].client.as('service')({
              method: 'POST',
              path: '/v1/usage/batch',
              body: { records },
              timeoutMs: 120_000,
            }),
          ),
        );
        const again: (typeof batches)[number][] = [];
        answers.forEach((answer, b) => {
          expect(answer.status).toBe(200);
          const results = (answer.json as { results: { status: number; usageId: string }[] }).results;
          const retry = pending[b].filter((_, i) => {
            const item = results[i];
            expect([200, 201, 402, 503]).toContain(item.status);
            if (item.status === 503) return true;
            answered.set(item.usageId, outcomeOf(item));
            return false;
          });
          retried += retry.length;
          if (retry.length > 0) again.push(retry);
        });
        pending = again;
      }
      for (const server of servers) expect(server.dead).toBe(false);
    }

    const log = readLedgerLog(dir);
    expect(logViolations(log)).toEqual([]);
    const mismatches = [...answered].filter(([usageId, outcome]) => {
      const logged = log.usages.get(usageKey(accountId, usageId));
      return (
        logged === undefined || JSON.stringify(outcomeOf(loggedOutcome(logged))) !== JSON.stringify(outcome)
      );
    });
    expect(mismatches).toEqual([]);
    expect(answered.size).toBe(rounds * 1_000);
    for (const server of servers) expect(server.errors).toBe('');
    reportFigures('contention-batches', {
      seed: SEED,
      rounds,
      records: rounds * 1_000,
      itemsRetried: retried,
    });
  }, 600_000);
});

/** RELIABILITY.servers server processes on one fresh data dir (one SQLite file). */
async function startServersOnOneDir(prefix: string): Promise<{ dir: string; servers: LedgerServer[] }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const ports = await Promise.all(Array.from({ length: RELIABILITY.servers }, () => freePort()));
  const servers = ports.map((port) => new LedgerServer({ dataDir: dir, port }));
  // One after the other: nodes started at the same instant on one data dir can die at boot on
  // SQLITE_BUSY (docs/RELIABILITY.md "Findings").
  for (const server of servers) await server.start();
  return { dir, servers };
}

async function stopServers(dir: string, servers: readonly LedgerServer[]): Promise<void> {
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(dir, { recursive: true, force: true });
}

function loggedOutcome(event: { type: string; data: unknown }): unknown {
  const d = event.data as Record<string, unknown>;
  return event.type === 'UsageRecorded'
    ? {
        outcome: 'accepted',
        charged: { allowanceUnits: d.allowanceUnits, credits: d.creditsCharged, allocations: d.allocations },
      }
    : {
        outcome: 'rejected',
        reason: d.reason,
        charged: { allowanceUnits: 0, credits: '0', allocations: [] },
      };
}
