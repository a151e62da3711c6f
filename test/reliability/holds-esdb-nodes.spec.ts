import { accountStreamName, type AccountEvent } from '@ledger/domain';
import { readStreamIfExists, type EventStore } from '@ledger/event-store';
import { EVENT_STORE } from '../../apps/ledger/src/store/store.tokens';
import { seededRandom } from '../crash/seeded-random';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';
import { KEYS, removeDir, startTestLedger, type TestLedger, type TestRole } from '../support/ledger-app';
import type { HttpAnswer, HttpRequest } from './support/http-client';
import { booksOf, definite, HoldsLoad, lostOrChanged, stillHeld, type Sent } from './support/holds-load';
import { viewFromLog } from './support/ledger-log';
import { RELIABILITY, reportFigures } from './support/reliability-env';

// Holds (SPEC §6) on two ledger instances sharing one EventStoreDB log (the gRPC wire double), each
// with its own cache, read models, clock and ExpireHold scheduler: many concurrent holds on a few
// accounts, settlements and releases sent to either instance, usage and purchases, retries, and
// the clocks moving so that holds expire under the load. Afterwards every acknowledged command is
// in the log as answered, the books balance, past every expiry nothing is held, both instances
// read every account as the log folds it, verify is clean and the trial balance is zero.
// RELIABILITY_SEED replays a run; RELIABILITY_HOLDS_OPS sets the operations.
const SEED = RELIABILITY.seed;
const OPS = RELIABILITY.holdsOps;
const CLIENTS = RELIABILITY.clients;
const ACCOUNTS = ['he-0', 'he-1', 'he-2', 'he-3'];
const START = Date.parse('2026-11-01T00:00:00.000Z');
const ENV = { LEDGER_EXPIRY_SWEEP_MS: '200' };

/** One request through the real HTTP pipeline (supertest), answered in the reliability client's shape. */
async function call(node: TestLedger, role: TestRole, request: HttpRequest): Promise<HttpAnswer> {
  const as = node.as(role);
  const res =
    request.method === 'GET'
      ? await as.get(request.path)
      : request.method === 'PUT'
        ? await as.put(request.path, request.body)
        : await as.post(request.path, request.body);
  return { status: res.status, headers: res.headers, raw: res.text, json: res.body as unknown };
}

describe(`holds on two ledger instances on one EventStoreDB log (seed ${SEED})`, () => {
  let double: EsdbDouble;
  let nodes: TestLedger[] = [];
  beforeAll(async () => {
    double = await startEsdbDouble();
    // Keys configured with ids, as a cluster shares them: one client key is one actor on both
    // instances, so both decide a retried command byte-identically (Finding 41's precondition).
    const env = {
      ...ENV,
      LEDGER_API_KEYS: Object.entries(KEYS)
        .map(([role, key]) => `${role}@${role}-key:${key}`)
        .join(','),
    };
    nodes = [await startTestLedger(env, { engine: 'eventstoredb', double })];
    nodes.push(await startTestLedger(env, { engine: 'eventstoredb', double }));
  }, 120_000);
  afterAll(async () => {
    for (const node of nodes) {
      // A sweep in flight at shutdown once read the read-model file after it closed ("The database
      // connection is not open") and close() rejected; the scheduler now stops in onModuleDestroy.
      await node.app.close();
    }
    await double.stop();
    for (const node of nodes) removeDir(node.dataDir);
  });

  it(`keeps every acknowledged hold, settlement and release over ${OPS} operations`, async () => {
    const random = seededRandom(SEED);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const load = new HoldsLoad(random, ACCOUNTS, 'he');
    const figures = {
      requests: 0,
      retried503: 0,
      replaysChecked: 0,
      replayMismatches: 0,
      /** Retries answered 201 with the first body (Finding 41): must be 0. */
      replayedAs201: 0,
      clockMoves: 0,
    };
    let simNow = START;
    let clockTurn: Promise<void> = Promise.resolve();
    const moveClocks = (advanceMs: number): Promise<void> => {
      const move = async () => {
        simNow += advanceMs;
        for (const node of nodes) {
          const moved = await call(node, 'admin', {
            method: 'POST',
            path: '/v1/admin/clock',
            body: { now: new Date(simNow).toISOString() },
          });
          expect(moved.status).toBe(200);
        }
        figures.clockMoves += 1;
      };
      clockTurn = clockTurn.then(move, move);
      return clockTurn;
    };
    for (const accountId of ACCOUNTS) {
      const plan = accountId < 'he-2' ? 'pro' : 'plus';
      expect(
        (await call(nodes[0], 'service', { method: 'POST', path: '/v1/accounts', body: { accountId, plan } }))
          .status,
      ).toBe(201);
      const purchase = {
        purchaseId: `${accountId}-p`,
        credits: '60',
        amountPaid: { amountMinor: 6000, currency: 'USD' },
      };
      const path = `/v1/accounts/${accountId}/credits/purchases`;
      expect((await call(nodes[1], 'service', { method: 'POST', path, body: purchase })).status).toBe(201);
    }

    const acknowledged: Sent[] = [];
    const mismatches: string[] = [];
    const send = async (sent: Sent) => {
      for (let attempt = 1; ; attempt += 1) {
        const answer = await call(pick(nodes), 'service', sent.request);
        figures.requests += 1;
        if (answer.status === 503) {
          // Nothing recorded: the client retries, on either instance — a bounded number of times.
          if (attempt >= 20)
            throw new Error(`still 503 after 20 tries: ${JSON.stringify(sent.request)} ${answer.raw}`);
          figures.retried503 += 1;
          continue;
        }
        sent.answer = answer;
        load.answered(sent);
        return;
      }
    };
    const perClient = Math.ceil(OPS / CLIENTS);
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = 0; i < perClient; i += 1) {
          if (client === 0 && i % 8 === 7) await moveClocks(Math.floor(random() * 3_000));
          const sent = load.next();
          await send(sent);
          acknowledged.push(sent);
          if (random() < 0.05) {
            const done = acknowledged.filter((s) => [200, 201, 402].includes(s.answer?.status ?? 0));
            const first = pick(done);
            const again = await call(pick(nodes), 'service', first.request);
            const expected = {
              status: first.answer?.status === 201 ? 200 : first.answer?.status,
              body: first.answer?.json,
            };
            if (
              again.status !== 503 &&
              JSON.stringify({ status: again.status, body: again.json }) !== JSON.stringify(expected)
            ) {
              if (
                again.status === 201 &&
                expected.status === 200 &&
                JSON.stringify(again.json) === JSON.stringify(expected.body)
              )
                figures.replayedAs201 += 1;
              figures.replayMismatches += 1;
              mismatches.push(
                `retry of ${JSON.stringify(first.request.body)}: ${again.status} ${again.raw.slice(0, 300)}; first ${expected.status} ${first.answer?.raw.slice(0, 300)}`,
              );
            }
            figures.replaysChecked += 1;
          }
        }
      }),
    );
    expect(mismatches).toEqual([]);
    expect(figures.replayedAs201).toBe(0);
    const refused = acknowledged.filter((s) => !definite(s));
    expect(
      refused.map(
        (s) => `${s.answer?.status} ${s.answer?.raw.slice(0, 300)} ${JSON.stringify(s.request.body)}`,
      ),
    ).toEqual([]);

    // Past every expiry, one same-plan PUT per account (a no-op that still expires lazily).
    await moveClocks(86_400_000 + 1);
    for (const accountId of ACCOUNTS) {
      const plan = accountId < 'he-2' ? 'pro' : 'plus';
      const put = await call(pick(nodes), 'service', {
        method: 'PUT',
        path: `/v1/accounts/${accountId}/plan`,
        body: { plan },
      });
      expect(put.status).toBe(200);
    }

    const store = nodes[0].app.get<EventStore>(EVENT_STORE);
    const accounts = new Map<string, AccountEvent[]>();
    for (const accountId of ACCOUNTS) {
      const events = (await readStreamIfExists(store, accountStreamName(accountId))) ?? [];
      accounts.set(
        accountId,
        events.map((e) => ({ type: e.type, data: e.data }) as AccountEvent),
      );
    }
    expect(lostOrChanged(accounts, acknowledged)).toEqual([]);
    expect(booksOf(accounts)).toEqual([]);
    expect(stillHeld(accounts)).toEqual([]);

    const head = BigInt(String((await nodes[0].http().get('/health')).body.position));
    const log = { head, accounts, resets: [], usages: new Map() };
    for (const node of nodes) {
      for (const accountId of ACCOUNTS) {
        const read = await call(node, 'support', {
          method: 'GET',
          path: `/v1/accounts/${accountId}?minPosition=${head}`,
        });
        expect({ status: read.status, body: read.json }).toEqual({
          status: 200,
          body: viewFromLog(log, accountId, simNow),
        });
      }
      const verify = await call(node, 'finance', { method: 'POST', path: '/v1/finance/verify', body: {} });
      expect({ status: verify.status, body: verify.json }).toMatchObject({
        status: 200,
        body: { ok: true, mismatches: [] },
      });
      const trial = await call(node, 'finance', {
        method: 'GET',
        path: `/v1/finance/trial-balance?minPosition=${head}`,
      });
      expect({ status: trial.status, total: (trial.json as { total?: string }).total }).toEqual({
        status: 200,
        total: '0',
      });
    }
    const events = [...accounts.values()].flat();
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count('HoldSettled')).toBeGreaterThan(0);
    expect(count('HoldExpired')).toBeGreaterThan(0);
    reportFigures('holds-esdb-nodes', {
      seed: SEED,
      acknowledged: acknowledged.length,
      ...figures,
      events: Object.fromEntries(
        ['HoldPlaced', 'HoldRejected', 'HoldSettled', 'HoldReleased', 'HoldExpired', 'UsageRecorded'].map(
          (t) => [t, count(t)],
        ),
      ),
    });
  }, 600_000);
});
