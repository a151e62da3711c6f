import type { EventStore } from '@ledger/event-store';
import { LedgerReadSide } from '@ledger/projections';
import { EVENT_STORE } from '../../../apps/ledger/src/store/store.tokens';
import { startEsdbDouble, type EsdbDouble } from '../../support/esdb-double/esdb-double';
import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';
import { holdRequests, TOKENS, tokensFor } from './hold-requests';

/** No periodic sweep during the test: only what a test does expires holds. */
const ENV = { LEDGER_EXPIRY_SWEEP_MS: '86400000' };

/**
 * Two ledger nodes on one log (two apps on one SQLite file; two apps on one EventStoreDB double),
 * each with its own cache, read models and clock: a hold placed on one is settled, released or
 * expired through the other, which knows the hold only from the log.
 */
describe.each(ENGINES)('holds across two nodes on one log [%s]', (engine) => {
  let double: EsdbDouble | undefined;
  let a: TestLedger;
  let b: TestLedger;

  beforeAll(async () => {
    if (engine === 'eventstoredb') {
      double = await startEsdbDouble();
      a = await startTestLedger(ENV, { engine, double });
      b = await startTestLedger(ENV, { engine, double });
    } else {
      a = await startTestLedger(ENV, { engine });
      b = await startTestLedger(ENV, { engine, dataDir: a.dataDir });
    }
    // The nodes' clocks differ (as real nodes' do): the same command decided on both differs in content.
    await b.advanceClock(1_000);
  });
  afterAll(async () => {
    await a.app.close();
    await b.app.close();
    await double?.stop();
    removeDir(a.dataDir);
    removeDir(b.dataDir);
  });

  const open = (accountId: string, credits: string) => holdRequests(() => a).open(accountId, credits);
  const hold = (node: TestLedger, holdId: string, accountId: string, credits: number, ttlSeconds?: number) =>
    holdRequests(() => node).hold(holdId, accountId, credits, ttlSeconds === undefined ? {} : { ttlSeconds });
  const settle = (node: TestLedger, holdId: string, usageId: string, credits: number) =>
    holdRequests(() => node).settle(holdId, usageId, credits);
  const headOf = (node: TestLedger) => holdRequests(() => node).head();

  it('settles on node B a hold placed on node A right before; the retry on node A replays it', async () => {
    await open('acct-x', '100');
    await hold(a, 'h-x', 'acct-x', 30).expect(201);
    const settled = await settle(b, 'h-x', 'u-x', 12).expect(201);
    expect(settled.body).toMatchObject({ holdId: 'h-x', accountId: 'acct-x', charged: { credits: '12' } });
    const again = await settle(a, 'h-x', 'u-x', 12).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(settled.body);
  });

  it('releases on node B a hold placed on node A; reverses and settles on node A what node B recorded', async () => {
    await open('acct-y', '100');
    await hold(a, 'h-y', 'acct-y', 30).expect(201);
    const released = await b.as('service').post('/v1/holds/h-y/release', { reason: 'cancelled' }).expect(200);
    expect(released.body).toMatchObject({ status: 'released', released: { credits: '30' } });
    await b
      .as('service')
      .post('/v1/usage', {
        usageId: 'u-y',
        accountId: 'acct-y',
        product: 'codex',
        operation: TOKENS,
        quantity: tokensFor(9),
      })
      .expect(201);
    const reversed = await a
      .as('admin')
      .post('/v1/usage/u-y/reversals', { reversalId: 'rv-y', reason: 'task failed' })
      .expect(201);
    expect(reversed.body).toMatchObject({ accountId: 'acct-y', reversed: { credits: '9' } });
    // Node A has the account cached: a hold placed on node B is still found there (never a stale 404).
    await hold(b, 'h-y2', 'acct-y', 6).expect(201);
    const settled = await settle(a, 'h-y2', 'u-y2', 6).expect(201);
    expect(settled.body).toMatchObject({ holdId: 'h-y2', credits: { balance: '94', held: '0' } });
  });

  it("refuses (409, nothing recorded) a hold id another account placed; the first account's retry replays", async () => {
    await open('acct-t1', '10');
    await open('acct-t2', '10');
    const first = await hold(a, 'h-taken', 'acct-t1', 3).expect(201);
    // Node B's read models have seen the placement on node A.
    const position = await headOf(a);
    await b.as('support').get(`/v1/accounts/acct-t1?minPosition=${position}`).expect(200);
    const taken = await hold(b, 'h-taken', 'acct-t2', 3).expect(409);
    expect(taken.body.message).toContain('already a hold of another account');
    expect(taken.body.message).not.toContain('acct-t1');
    const events = await b.app.get<EventStore>(EVENT_STORE).readStream('account-acct-t2');
    expect(events.map((e) => e.type)).toEqual(['AccountOpened', 'CreditsPurchased']);
    // The same id on the same account is the first placement's retry, on either node.
    const replay = await hold(b, 'h-taken', 'acct-t1', 3).expect(200);
    expect(replay.body).toEqual(first.body);
    // Settling on node B addresses the one hold of that id.
    await settle(b, 'h-taken', 'u-taken', 3).expect(201);
  });

  it('when two nodes place one hold id for two accounts at the same instant, settles answer 409 naming both', async () => {
    // Neither node may know of the other's placement yet, so both may be recorded; or one node
    // already knows and refuses. Each pair of placements must end one of those two ways.
    const ids = Array.from({ length: 8 }, (_, i) => `h-race-${i}`);
    for (const id of ids) {
      await open(`${id}-1`, '10');
      await open(`${id}-2`, '10');
    }
    const placed = await Promise.all(
      ids.map((id) => Promise.all([hold(a, id, `${id}-1`, 3), hold(b, id, `${id}-2`, 3)])),
    );
    const position = await headOf(b);
    await a.as('support').get(`/v1/accounts/${ids[0]}-1?minPosition=${position}`).expect(200);
    for (const [i, [onA, onB]] of placed.entries()) {
      const statuses = [onA.status, onB.status].sort();
      if (statuses[0] === 201 && statuses[1] === 201) {
        const ambiguous = await settle(a, ids[i], `u-race-${i}`, 3).expect(409);
        expect(ambiguous.body.message).toContain(`${ids[i]}-1`);
        expect(ambiguous.body.message).toContain(`${ids[i]}-2`);
      } else {
        expect(statuses).toEqual([201, 409]);
        await settle(a, ids[i], `u-race-${i}`, 3).expect(201);
      }
    }
  });

  it("a refused hold holds nothing: its id placed on another account later is that account's hold alone", async () => {
    await open('acct-r1', '1');
    await open('acct-r2', '10');
    const refused = await hold(a, 'h-refused', 'acct-r1', 3).expect(402);
    await hold(b, 'h-refused', 'acct-r2', 3).expect(201);
    const settled = await settle(a, 'h-refused', 'u-refused', 3).expect(201);
    expect(settled.body).toMatchObject({ accountId: 'acct-r2', charged: { credits: '3' } });
    // The refused placement sent again is a retry: its first answer (402), not "taken" (409), on
    // either node, though the id now names another account's hold.
    for (const node of [a, b]) {
      const again = await hold(node, 'h-refused', 'acct-r1', 3).expect(402);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toEqual(refused.body);
    }
  });

  it('holds 20 concurrent requests split over both nodes within the credits (a 503 is resent with the same id)', async () => {
    await open('acct-c', '99');
    const send = async (i: number) => {
      for (let attempt = 0; ; attempt++) {
        const res = await hold(i % 2 === 0 ? a : b, `h-c-${i}`, 'acct-c', 9);
        if (res.status !== 503 || attempt === 5) return res;
      }
    };
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => send(i)));
    expect(answers.map((r) => r.status).filter((s) => s !== 201 && s !== 402)).toEqual([]);
    expect(answers.filter((r) => r.status === 201)).toHaveLength(11);
    const events = await a.app.get<EventStore>(EVENT_STORE).readStream('account-acct-c');
    expect(events.filter((e) => e.type === 'HoldPlaced')).toHaveLength(11);
    expect(events.filter((e) => e.type === 'HoldRejected')).toHaveLength(9);
  }, 60_000);

  it('answers 503 with Retry-After, recording nothing, when node B cannot learn the hold from its read models', async () => {
    await open('acct-behind', '30');
    // Both runners: on SQLite the two nodes share one read-model file, which either would bring up to date.
    const runners = [a, b].map((node) => node.app.get(LedgerReadSide).runner);
    for (const runner of runners) runner.pause();
    try {
      await hold(a, 'h-behind', 'acct-behind', 3).expect(201);
      const settled = await settle(b, 'h-behind', 'u-behind', 3);
      expect(settled.status).toBe(503);
      expect(settled.headers['retry-after']).toBe('1');
      expect(settled.body.message).toContain('read models');
    } finally {
      for (const runner of runners) runner.resume();
    }
    await settle(b, 'h-behind', 'u-behind', 3).expect(201);
    const events = await a.app.get<EventStore>(EVENT_STORE).readStream('account-acct-behind');
    expect(events.filter((e) => e.type === 'HoldSettled')).toHaveLength(1);
  }, 30_000);

  it('expires a hold lazily on node B, whose clock is past expiresAt, at its next command on the account', async () => {
    await open('acct-lazy', '100');
    await open('acct-lazy-2', '100');
    await b.advanceClock(2 * 3_600_000); // sweeps now, before the holds exist
    await hold(a, 'h-lazy', 'acct-lazy', 30, 3600).expect(201);
    await hold(a, 'h-lazy-2', 'acct-lazy-2', 30, 3600).expect(201);
    const usage = await b
      .as('service')
      .post('/v1/usage', {
        usageId: 'u-lazy',
        accountId: 'acct-lazy',
        product: 'codex',
        operation: TOKENS,
        quantity: tokensFor(3),
      })
      .expect(201);
    expect(usage.body.credits).toEqual({ balance: '97', held: '0' });
    const events = await a.app.get<EventStore>(EVENT_STORE).readStream('account-acct-lazy');
    const expired = events.find((e) => e.type === 'HoldExpired');
    expect(expired?.metadata).toMatchObject({ command: 'RecordUsage' });
    expect(expired?.data).toMatchObject({ holdId: 'h-lazy', released: { credits: '30' } });
    const late = await settle(a, 'h-lazy', 'u-lazy-2', 3).expect(409);
    expect(late.body.message).toContain('expired');
    // A hold command that expires another hold first answers about its own hold.
    const next = await hold(b, 'h-lazy-3', 'acct-lazy-2', 9).expect(201);
    expect(next.body).toMatchObject({ holdId: 'h-lazy-3', status: 'held', held: { credits: '9' } });
    expect(next.body.credits).toEqual({ balance: '91', held: '9' });
    const tail = (await a.app.get<EventStore>(EVENT_STORE).readStream('account-acct-lazy-2')).slice(-2);
    expect(tail.map((e) => [e.type, e.data.holdId])).toEqual([
      ['HoldExpired', 'h-lazy-2'],
      ['HoldPlaced', 'h-lazy-3'],
    ]);
  });
});
