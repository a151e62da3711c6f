import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envInteger, RELIABILITY, reportFigures } from './support/reliability-env';
import { runOrgLoad, sqliteLog } from './support/org-run';
import type { LedgerServer } from './support/server-process';

// Organisations (SPEC §7, issue 18 "Must show") on several server processes sharing one SQLite
// file, with kill -9 of all of them mid-load: many members of one organisation spending from its
// pool at once (each overage a reservation on the pool's stream, settled by the member's usage),
// sent to any process, with retries, pool purchases, limits changed at every level and credit
// requests decided under the load; the clocks cross the month's end. Afterwards, from the log
// alone (support/org-load.ts): the pool never negative, no reservation past the member's effective
// limit as it stood, the members' spend equal to what the pool was charged, every rejection a real
// one, no reservation left open past its expiry once the sweepers ran, every acknowledged usage in
// the log as answered; every process reads the organisation as the log says; verify clean, trial
// balance zero. RELIABILITY_SEED replays a run; RELIABILITY_ORG_OPS sets the operations (default half
// the holds suites' size), RELIABILITY_ORG_SERVERS the processes (2), RELIABILITY_KILL_CYCLES / 10 the kills.
const SEED = RELIABILITY.seed;
const KILLS = Math.max(1, Math.round(RELIABILITY.killCycles / 10));
const OPS = envInteger('RELIABILITY_ORG_OPS', Math.round(RELIABILITY.holdsOps / 2));
const SERVERS = Math.max(2, envInteger('RELIABILITY_ORG_SERVERS', 2));
const CLIENTS = Math.max(16, RELIABILITY.clients);

describe(`an organisation's members spending on ${SERVERS} processes sharing one SQLite file, with kill -9 (seed ${SEED})`, () => {
  let dir: string;
  const live: LedgerServer[] = [];
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-org-nodes-'))));
  afterAll(async () => {
    await Promise.all(live.map((server) => server.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    `keeps the pool whole and every limit over ${KILLS} kill cycles, ${OPS} operations`,
    async () => {
      const run = await runOrgLoad(
        {
          suite: 'om',
          seed: SEED,
          servers: SERVERS,
          clients: CLIENTS,
          kills: KILLS,
          ops: OPS,
          members: 40,
          dataDirOf: () => dir,
          readLog: sqliteLog(dir),
        },
        live,
      );
      reportFigures('org-multi-node', run.figures);
      expect(run.problems).toEqual([]);
      const { counts, reservations, pool } = run.books;
      // The run must have reached what it claims to check: settlements, lapses after the kills, both rejections.
      expect(counts.MemberSpendSettled ?? 0).toBeGreaterThan(0);
      expect(counts.MemberSpendRejected ?? 0).toBeGreaterThan(0);
      expect(pool.consumed).toBeGreaterThan(0n);
      expect([...reservations.values()].filter((r) => r.status === 'open')).toEqual([]);
    },
    300_000 + KILLS * 60_000,
  );
});
