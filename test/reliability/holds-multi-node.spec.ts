import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foldAccount } from '@ledger/domain';
import { seededRandom } from '../crash/seeded-random';
import { AccountBooks } from './simulation/sim-books';
import type { HttpAnswer, HttpRequest } from './support/http-client';
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
// RELIABILITY_SEED replays a run; RELIABILITY_CONTENTION_OPS sets the operations per cycle,
// RELIABILITY_KILL_CYCLES / 4 the kills (at least one).
const SEED = RELIABILITY.seed;
const OPS = RELIABILITY.contentionOps;
const KILLS = Math.max(1, Math.round(RELIABILITY.killCycles / 4));
const CLIENTS = RELIABILITY.clients;
const ACCOUNTS = ['hm-0', 'hm-1', 'hm-2', 'hm-3'];
const START = Date.parse('2026-11-01T00:00:00.000Z');
const DAY_AND_A_BIT = 86_400_000 + 1;

type Kind = 'place' | 'settle' | 'release' | 'usage' | 'purchase';
interface Sent {
  readonly kind: Kind;
  readonly accountId: string;
  readonly holdId?: string;
  readonly usageId?: string;
  readonly request: HttpRequest;
  answer?: HttpAnswer;
}

/** A definite answer: recorded (200/201/402) or refused by the hold's state (409: it ended first). */
const definite = (s: Sent): boolean =>
  s.answer !== undefined &&
  ([200, 201, 402].includes(s.answer.status) ||
    (s.answer.status === 409 && (s.kind === 'settle' || s.kind === 'release')));

describe(`holds on two processes sharing one SQLite file, with kill -9 (seed ${SEED})`, () => {
  let dir: string;
  let live: LedgerServer[] = [];
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-holds-nodes-'))));
  afterAll(async () => {
    await Promise.all(live.map((server) => server.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    `keeps every acknowledged hold, settlement and release over ${KILLS} kill cycles of ${OPS} operations`,
    async () => {
      const random = seededRandom(SEED);
      const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
      let simNow = START;
      let n = 0;
      const acknowledged: Sent[] = [];
      const placed: { holdId: string; accountId: string }[] = [];
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

      const next = (): Sent => {
        const accountId = pick(ACCOUNTS);
        const r = random();
        if (r < 0.35 || placed.length === 0) {
          const holdId = `hm-h-${n++}`;
          const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
            random() < 0.3
              ? { operation: 'gpt-5.5:output_tokens', quantity: 1_000 + Math.floor(random() * 20_000) }
              : { operation: pick(['local_message', 'cloud_task']), quantity: 1 + Math.floor(random() * 6) },
          );
          const ttl = pick([1, 2, 5, 30, undefined]);
          const body = {
            holdId,
            accountId,
            product: 'codex',
            lines,
            ...(ttl === undefined ? {} : { ttlSeconds: ttl }),
          };
          return { kind: 'place', accountId, holdId, request: { method: 'POST', path: '/v1/holds', body } };
        }
        if (r < 0.75) {
          const hold =
            random() < 0.7
              ? placed[placed.length - 1 - Math.floor(random() * Math.min(6, placed.length))]
              : pick(placed);
          if (random() < 0.8) {
            const usageId = `hm-s-${n++}`;
            const lines = [
              { operation: pick(['local_message', 'cloud_task']), quantity: 1 + Math.floor(random() * 12) },
            ];
            const request = {
              method: 'POST',
              path: `/v1/holds/${hold.holdId}/settlement`,
              body: { usageId, lines },
            } as const;
            return { kind: 'settle', accountId: hold.accountId, holdId: hold.holdId, usageId, request };
          }
          const request = {
            method: 'POST',
            path: `/v1/holds/${hold.holdId}/release`,
            body: { reason: 'done' },
          } as const;
          return { kind: 'release', accountId: hold.accountId, holdId: hold.holdId, request };
        }
        if (r < 0.8) {
          const purchaseId = `hm-p-${n++}`;
          const body = { purchaseId, credits: '25', amountPaid: { amountMinor: 2500, currency: 'USD' } };
          const path = `/v1/accounts/${accountId}/credits/purchases`;
          return {
            kind: 'purchase',
            accountId,
            usageId: purchaseId,
            request: { method: 'POST', path, body },
          };
        }
        const usageId = `hm-u-${n++}`;
        const body = {
          usageId,
          accountId,
          product: 'codex',
          operation: 'local_message',
          quantity: 1 + Math.floor(random() * 4),
        };
        return { kind: 'usage', accountId, usageId, request: { method: 'POST', path: '/v1/usage', body } };
      };

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
          if (sent.kind === 'place' && (answer.status === 201 || answer.status === 200))
            placed.push({ holdId: sent.holdId as string, accountId: sent.accountId });
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
                    // Open bug (known-bugs-multiprocess.spec.ts "retried on another server"): a retry
                    // decided byte-identically by a stale server is answered 201, same body. Counted.
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
        expect(lostOrChanged(lastLog, acknowledged)).toEqual([]);
        expect(booksOf(lastLog)).toEqual([]);
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
      expect(lostOrChanged(log, acknowledged)).toEqual([]);
      expect(booksOf(log)).toEqual([]);
      const stillHeld = ACCOUNTS.flatMap((a) => [...foldAccount(log.accounts.get(a) ?? []).holds.keys()]);
      expect(stillHeld).toEqual([]);
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

/** Acknowledged commands missing from the log, or logged otherwise than answered. */
function lostOrChanged(log: LedgerLog, acknowledged: readonly Sent[]): string[] {
  const problems: string[] = [];
  for (const sent of acknowledged) {
    const events = log.accounts.get(sent.accountId) ?? [];
    const status = sent.answer?.status;
    const about = (e: { data: unknown }) => (e.data as { holdId?: string }).holdId === sent.holdId;
    const closing = events.filter(
      (e) => (e.type === 'HoldSettled' || e.type === 'HoldReleased' || e.type === 'HoldExpired') && about(e),
    );
    let ok = true;
    switch (sent.kind) {
      case 'place':
        ok = events.some((e) => e.type === (status === 402 ? 'HoldRejected' : 'HoldPlaced') && about(e));
        break;
      case 'settle': {
        const mine = closing.filter((e) => e.type === 'HoldSettled' && e.data.usageId === sent.usageId);
        ok =
          status === 409
            ? mine.length === 0 && closing.length === 1
            : mine.length === 1 && closing.length === 1;
        break;
      }
      case 'release':
        ok =
          status === 409
            ? closing.length === 1 && closing[0].type !== 'HoldReleased'
            : closing.length === 1 && closing[0].type === 'HoldReleased';
        break;
      case 'purchase':
        ok = events.some(
          (e) =>
            e.type === 'CreditsPurchased' && (e.data as { purchaseId: string }).purchaseId === sent.usageId,
        );
        break;
      case 'usage':
        ok = events.some(
          (e) =>
            e.type === (status === 402 ? 'UsageRejected' : 'UsageRecorded') &&
            (e.data as { usageId: string }).usageId === sent.usageId,
        );
        break;
    }
    if (!ok)
      problems.push(
        `${sent.kind} ${JSON.stringify(sent.request.body)} answered ${status}; the log has ${JSON.stringify(closing.map((e) => e.type))}`,
      );
  }
  return problems;
}

/** The books of every account, from the log's events, against the log's own fold. */
function booksOf(log: LedgerLog): string[] {
  const problems: string[] = [];
  for (const [accountId, events] of log.accounts) {
    const books = new AccountBooks(accountId);
    books.feed(events);
    const state = foldAccount(events);
    books.checkState(state.grants, [...state.holds.keys()]);
    problems.push(...books.violations);
  }
  return problems;
}
