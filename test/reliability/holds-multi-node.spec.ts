import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../crash/seeded-random';
import { booksOf, definite, HoldsLoad, lostOrChanged, stillHeld, type Sent } from './support/holds-load';
import { expectReadsToFoldTheLog, readLedgerLog, type LedgerLog } from './support/ledger-log';
import { RELIABILITY, reportFigures } from './support/reliability-env';
import { freePort, LedgerServer } from './support/server-process';

// Holds (SPEC §6) on two server processes sharing one SQLite file, with kill -9 of both mid-load:
// many concurrent holds on few accounts, settlements sent to either process (often not the one that
// placed the hold), releases, plain usage, retries, and the clock moving so that holds expire under
// the load (lazily, and by each process's ExpireHold scheduler). Afterwards: every acknowledged
// placement, settlement and release is in the log as answered; the books of every account balance
// (no credit held twice, lost or charged twice; nothing held past its expiry); past every expiry
// nothing is left held; reads fold the log; finance verify is clean and the trial balance is zero.
// RELIABILITY_SEED replays a run; RELIABILITY_HOLDS_OPS sets the operations (in all, shared by the
// cycles), RELIABILITY_KILL_CYCLES / 10 the kills (at least one).
const SEED = RELIABILITY.seed;
const KILLS = Math.max(1, Math.round(RELIABILITY.killCycles / 10));
const OPS = Math.ceil(RELIABILITY.holdsOps / (KILLS + 1));
const CLIENTS = RELIABILITY.clients;
const ACCOUNTS = ['hm-0', 'hm-1', 'hm-2', 'hm-3'];
const START = Date.parse('2026-11-01T00:00:00.000Z');
const DAY_AND_A_BIT = 86_400_000 + 1;

describe(`holds on two processes sharing one SQLite file, with kill -9 (seed ${SEED})`, () => {
  let dir: string;
  let live: LedgerServer[] = [];
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-holds-nodes-'))));
  afterAll(async () => {
    await Promise.all(live.map((server) => server.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    `keeps every acknowledged hold, settlement and release over ${KILLS} kill cycles, ${OPS} operations each`,
    async () => {
      const random = seededRandom(SEED);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
      let simNow = START;
      const acknowledged: Sent[] = [];
      let pending: Sent[] = [];
      const figures = {
        kills: 0,
        requests: 0,
        retried503: 0,
        inFlightAtKill: 0,
        replaysChecked: 0,
        replayedAs201: 0,
        clockMoves: 0,
      };
      const start = async () => {
        const env = {
          LEDGER_CLOCK: 'simulated',
          LEDGER_CLOCK_START: new Date(simNow).toISOString(),
          LEDGER_EXPIRY_SWEEP_MS: '200',
        };
        const servers = [0, 1].map(() => ({ dataDir: dir, env }));
        const ports = await Promise.all(servers.map(() => freePort()));
        live = servers.map((options, i) => new LedgerServer({ ...options, port: ports[i] }));
        // One after the other: two processes opening one fresh read-model file at once collide (known-bugs-multiprocess).
        for (const server of live) await server.start();
        return live;
      };
      // One move at a time (a later time set before an earlier one would be a move back: 400).
      let clockTurn: Promise<void> = Promise.resolve();
      const moveClocks = (servers: readonly LedgerServer[], advanceMs: number): Promise<void> => {
        const move = async () => {
          simNow += advanceMs;
          for (const server of servers) {
            const moved = await server.client.as('admin')({
              method: 'POST',
              path: '/v1/admin/clock',
              body: { now: new Date(simNow).toISOString() },
            });
            expect({ status: moved.status, body: moved.json }).toMatchObject({ status: 200 });
          }
          figures.clockMoves += 1;
        };
        clockTurn = clockTurn.then(move, move);
        return clockTurn;
      };

      const load = new HoldsLoad(random, ACCOUNTS, 'hm');
      const next = (): Sent => load.next();

      const send = async (servers: readonly LedgerServer[], sent: Sent): Promise<void> => {
        for (;;) {
          const answer = await pick(servers).client.as('service')(sent.request);
          // 503 + Retry-After: contention past the bounded retries, or the read side not at the head yet;
          // nothing was recorded, the client retries (on either process).
          if (answer.status === 503) {
            figures.retried503 += 1;
            continue;
          }
          sent.answer = answer;
          load.answered(sent);
          return;
        }
      };

      let lastLog: LedgerLog | undefined;
      for (let cycle = 0; cycle <= KILLS; cycle += 1) {
        const servers = await start();
        if (cycle === 0) {
          for (const accountId of ACCOUNTS) {
            const opened = await servers[0].client.as('service')({
              method: 'POST',
              path: '/v1/accounts',
              body: { accountId, plan: accountId < 'hm-2' ? 'pro' : 'plus' },
            });
            expect(opened.status).toBe(201);
            const bought = await servers[1].client.as('service')({
              method: 'POST',
              path: `/v1/accounts/${accountId}/credits/purchases`,
              body: {
                purchaseId: `${accountId}-p`,
                credits: '60',
                amountPaid: { amountMinor: 6000, currency: 'USD' },
              },
            });
            expect(bought.status).toBe(201);
          }
        }
        // What the last kill cut is retried first, as a client would: any definite answer.
        for (const sent of pending) {
          await send(servers, sent);
          expect({
            definite: definite(sent),
            answer: sent.answer?.status,
            body: sent.request.body,
          }).toMatchObject({
            definite: true,
          });
          acknowledged.push(sent);
        }
        pending = [];

        // The load: CLIENTS loops, one of which also moves both clocks now and then (holds expire
        // under the load); both processes are killed -9 at a random moment.
        // The load: CLIENTS loops; every 8th operation of the first, both clocks move by up to 3 s (holds expire under
        // the load, lazily and by the schedulers); before the last cycle, both processes are killed -9
        // once a random share of the cycle's operations has been sent.
        const killAt = cycle < KILLS ? Math.floor(OPS * (0.3 + random() * 0.6)) : Infinity;
        let stopped = false;
        let killed: Promise<void> | undefined;
        const sent: Sent[] = [];
        const replayMismatches: unknown[] = [];
        const perClient = Math.ceil(OPS / CLIENTS);
        await Promise.all(
          Array.from({ length: CLIENTS }, async (_, client) => {
            for (let i = 0; i < perClient && !stopped; i += 1) {
              if (sent.length >= killAt) {
                stopped = true;
                killed = Promise.all(servers.map((server) => server.kill())).then(() => undefined);
                return;
              }
              try {
                if (client === 0 && i % 8 === 7) await moveClocks(servers, Math.floor(random() * 3_000));
                const command = next();
                sent.push(command);
                await send(servers, command);
                if (random() < 0.05) {
                  // A client retry of something already answered: the same answer (201 → 200).
                  const done = [...acknowledged, ...sent].filter(
                    (s) => s.answer !== undefined && [200, 201, 402].includes(s.answer.status),
                  );
                  const first = done.length > 0 ? pick(done) : undefined;
                  if (first !== undefined) {
                    const again = await pick(servers).client.as('service')(first.request);
                    const expected = {
                      status: first.answer?.status === 201 ? 200 : first.answer?.status,
                      body: first.answer?.json,
                    };
                    const got = { status: again.status, body: again.json };
                    // Was Finding 41 (known-bugs-multiprocess.spec.ts "at the same instant"): a retry
                    // decided byte-identically by a stale server was answered 201, same body. Counted,
                    // and must now be 0 (asserted after the run).
                    const as201 = again.status === 201 && expected.status === 200;
                    if (as201 && JSON.stringify(got.body) === JSON.stringify(expected.body))
                      figures.replayedAs201 += 1;
                    else if (again.status !== 503 && JSON.stringify(got) !== JSON.stringify(expected))
                      replayMismatches.push({ request: first.request.body, expected, got });
                    figures.replaysChecked += 1;
                  }
                }
              } catch (error) {
                if (!stopped) throw error;
                return; // killed under this request: unanswered by definition
              }
            }
          }),
        );
        await killed;
        expect(replayMismatches.map((m) => JSON.stringify(m))).toEqual([]);
        expect(figures.replayedAs201).toBe(0);
        if (killed !== undefined) figures.kills += servers.length;
        figures.requests += sent.length;
        expect(servers.map((server) => server.errors.split('\n').filter((line) => line !== ''))).toEqual([
          [],
          [],
        ]);
        const answered = sent.filter((s) => s.answer !== undefined);
        const refused = answered.filter((s) => !definite(s));
        expect(
          refused.map((s) => `${s.answer?.status} ${s.answer?.raw} ${JSON.stringify(s.request.body)}`),
        ).toEqual([]);
        acknowledged.push(...answered);
        pending = sent.filter((s) => s.answer === undefined);
        figures.inFlightAtKill += pending.length;
        lastLog = readLedgerLog(dir);
        expect(lostOrChanged(lastLog.accounts, acknowledged)).toEqual([]);
        expect(booksOf(lastLog.accounts)).toEqual([]);
      }
      expect(lastLog?.head).toBeDefined();

      // Past every expiry, one command per account (a same-plan PUT, a no-op that still expires lazily):
      // nothing may be left held, and the books must still balance.
      const servers = live;
      await moveClocks(servers, DAY_AND_A_BIT);
      for (const accountId of ACCOUNTS) {
        const put = await pick(servers).client.as('service')({
          method: 'PUT',
          path: `/v1/accounts/${accountId}/plan`,
          body: { plan: accountId < 'hm-2' ? 'pro' : 'plus' },
        });
        expect(put.status).toBe(200);
      }
      const log = readLedgerLog(dir);
      expect(lostOrChanged(log.accounts, acknowledged)).toEqual([]);
      expect(booksOf(log.accounts)).toEqual([]);
      expect(stillHeld(log.accounts)).toEqual([]);
      for (const server of servers) await expectReadsToFoldTheLog(server, log, ACCOUNTS, () => simNow);
      const verify = await servers[0].client.as('finance')({
        method: 'POST',
        path: '/v1/finance/verify',
        body: {},
        timeoutMs: 120_000,
      });
      expect({ status: verify.status, body: verify.json }).toMatchObject({
        status: 200,
        body: { ok: true, mismatches: [] },
      });
      const trial = await servers[1].client.as('finance')({
        method: 'GET',
        path: `/v1/finance/trial-balance?minPosition=${log.head}`,
      });
      expect({ status: trial.status, total: (trial.json as { total?: string }).total }).toEqual({
        status: 200,
        total: '0',
      });
      const events = [...log.accounts.values()].flat();
      const count = (type: string) => events.filter((e) => e.type === type).length;
      expect(count('HoldSettled')).toBeGreaterThan(0);
      expect(count('HoldExpired')).toBeGreaterThan(0);
      await Promise.all(servers.map((server) => server.stop()));
      reportFigures('holds-multi-node', {
        seed: SEED,
        cycles: KILLS,
        acknowledged: acknowledged.length,
        ...figures,
        events: Object.fromEntries(
          ['HoldPlaced', 'HoldRejected', 'HoldSettled', 'HoldReleased', 'HoldExpired', 'UsageRecorded'].map(
            (t) => [t, count(t)],
          ),
        ),
      });
    },
    300_000 + KILLS * 60_000,
  );
});
