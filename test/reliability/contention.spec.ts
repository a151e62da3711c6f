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

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-contention-'));
    const ports = await Promise.all(Array.from({ length: RELIABILITY.servers }, () => freePort()));
    servers = ports.map((port) => new LedgerServer({ dataDir: dir, port }));
    // One after the other: nodes started at the same instant on one data dir can die at boot on
    // SQLITE_BUSY (docs/RELIABILITY.md "Findings").
    for (const server of servers) await server.start();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

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
