import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';
import { envInteger, RELIABILITY, reportFigures } from './support/reliability-env';
import { esdbLog, runOrgLoad } from './support/org-run';
import type { LedgerServer } from './support/server-process';

// Organisations (SPEC §7, issue 18 "Must show") on several ledger server processes sharing one
// EventStoreDB log (the gRPC wire double, in this process), each with its own read models, cache,
// clock and sweeper, all killed -9 mid-load: the load and the checks of org-multi-node.spec.ts
// (support/org-run.ts), the log read under the protocol. RELIABILITY_SEED replays a run;
// RELIABILITY_ORG_OPS sets the operations, RELIABILITY_KILL_CYCLES / 10 the kills.
const SEED = RELIABILITY.seed;
const KILLS = Math.max(1, Math.round(RELIABILITY.killCycles / 10));
const OPS = envInteger('RELIABILITY_ORG_OPS', Math.round(RELIABILITY.holdsOps / 2));
const SERVERS = Math.max(2, envInteger('RELIABILITY_ORG_SERVERS', 2));
const CLIENTS = Math.max(16, RELIABILITY.clients);

describe(`an organisation's members spending on ${SERVERS} processes on one EventStoreDB log, with kill -9 (seed ${SEED})`, () => {
  let double: EsdbDouble;
  let dirs: string[];
  const live: LedgerServer[] = [];
  beforeAll(async () => {
    double = await startEsdbDouble();
    dirs = Array.from({ length: SERVERS }, () => mkdtempSync(join(tmpdir(), 'ledger-org-esdb-')));
  });
  afterAll(async () => {
    await Promise.all(live.map((server) => server.kill()));
    await double.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(
    `keeps the pool whole and every limit over ${KILLS} kill cycles, ${OPS} operations`,
    async () => {
      const run = await runOrgLoad(
        {
          suite: 'oe',
          seed: SEED,
          servers: SERVERS,
          clients: CLIENTS,
          kills: KILLS,
          ops: OPS,
          members: 40,
          dataDirOf: (i) => dirs[i],
          env: { EVENTSTORE_CONNECTION_STRING: double.connectionString },
          readLog: esdbLog(double.log),
        },
        live,
      );
      reportFigures('org-esdb-nodes', run.figures);
      expect(run.problems).toEqual([]);
      const { counts, reservations, pool } = run.books;
      expect(counts.MemberSpendSettled ?? 0).toBeGreaterThan(0);
      expect(counts.MemberSpendRejected ?? 0).toBeGreaterThan(0);
      expect(pool.consumed).toBeGreaterThan(0n);
      expect([...reservations.values()].filter((r) => r.status === 'open')).toEqual([]);
    },
    300_000 + KILLS * 60_000,
  );
});
