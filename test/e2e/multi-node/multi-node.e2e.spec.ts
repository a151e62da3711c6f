import { EsdbEventStore } from '@ledger/event-store/esdb';
import { startEsdbDouble, type EsdbDouble } from '../../support/esdb-double/esdb-double';
import { CLOCK_START, KEYS, startTestLedger, type TestLedger } from '../../support/ledger-app';

/**
 * Two ledger nodes on one EventStoreDB (the gRPC double), each with its own data dir, cache and
 * simulated clock: what one decides, the other must never contradict or double count.
 */
describe('two nodes on one EventStoreDB', () => {
  let double: EsdbDouble;
  let a: TestLedger;
  let b: TestLedger;
  let log: EsdbEventStore;

  beforeEach(async () => {
    double = await startEsdbDouble();
    // Keys configured with their ids, as a cluster shares them: a client's key is the same actor on
    // both nodes (without ids, each data dir's own secret names it differently).
    const env = {
      LEDGER_API_KEYS: Object.entries(KEYS)
        .map(([role, key]) => `${role}@${role}-key:${key}`)
        .join(','),
    };
    a = await startTestLedger(env, { engine: 'eventstoredb', double });
    b = await startTestLedger(env, { engine: 'eventstoredb', double });
    log = new EsdbEventStore(double.connectionString);
  });
  afterEach(async () => {
    await log.close();
    await a.app.close();
    await b.app.close();
    await double.stop();
  });

  const usage = (node: TestLedger, usageId: string, accountId = 'acct', quantity = 1) =>
    node
      .as('service')
      .post('/v1/usage', { usageId, accountId, product: 'codex', operation: 'cloud_task', quantity });
  const reset = (node: TestLedger, resetId: string) =>
    node.as('admin').post('/v1/limits/resets', { resetId, scope: 'all', reason: 'incident' });
  const streamOf = async (accountId: string) => log.readStream(`account-${accountId}`);

  it('never charges the 150-unit window more than 150 units, whichever node decides, and answers each usage alike on both', async () => {
    await a.as('service').post('/v1/accounts', { accountId: 'acct', plan: 'plus' }).expect(201);
    // Node B's clock is ahead: the same command decided on both nodes differs in content.
    await b.advanceClock(60_000);
    const ids = Array.from({ length: 40 }, (_, i) => `u-${i}`);
    const answers = new Map<string, { status: number; body: unknown }[]>();
    for (let i = 0; i < ids.length; i += 4) {
      const batch = ids.slice(i, i + 4);
      const settled = await Promise.all(
        batch.flatMap((id) => [usage(a, id), usage(b, id)].map((r) => r.then((res) => ({ id, res })))),
      );
      for (const { id, res } of settled) {
        expect([200, 201, 402]).toContain(res.status);
        answers.set(id, [...(answers.get(id) ?? []), { status: res.status, body: res.body }]);
      }
    }
    const events = await streamOf('acct');
    const recorded = events.filter((e) => e.type === 'UsageRecorded');
    const charged = recorded.reduce((sum, e) => sum + (e.data.allowanceUnits as number), 0);
    expect(charged).toBeLessThanOrEqual(150);
    expect(charged).toBe(150);
    // One outcome per usage id in the log, and both nodes answered it (one 201/402, the other its replay).
    const outcomes = events.filter((e) => e.type === 'UsageRecorded' || e.type === 'UsageRejected');
    expect(new Set(outcomes.map((e) => e.data.usageId)).size).toBe(outcomes.length);
    expect(outcomes).toHaveLength(ids.length);
    for (const id of ids) {
      const [first, second] = answers.get(id) ?? [];
      expect(second.body).toEqual(first.body);
      const inLog = outcomes.find((e) => e.data.usageId === id);
      expect((first.body as { recordedAt: string }).recordedAt).toBe(inLog?.data.recordedAt);
    }
  }, 60_000);

  it('answers a reset retried on the other node with the original outcome (200, the original resetAt)', async () => {
    await a.as('service').post('/v1/accounts', { accountId: 'acct', plan: 'plus' }).expect(201);
    await usage(b, 'warm-b').expect(201); // node B has read (and cached) the resets stream
    await b.advanceClock(60_000);
    const original = await reset(a, 'r-1').expect(201);
    const retried = await reset(b, 'r-1');
    expect(retried.status).toBe(200);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.body).toEqual(original.body);
    expect(await log.readStream('limits-resets')).toHaveLength(1);
  });

  it('decides a usage on node B right after a reset on node A against that reset', async () => {
    await a.advanceClock(1_000); // B's clock stays behind: B decides at the reset's time, not before it
    // Node B keeps serving other commands meanwhile, so it keeps reading (or caching) the resets.
    let warming = true;
    await a.as('service').post('/v1/accounts', { accountId: 'warm', plan: 'pro' }).expect(201);
    const warm = (async () => {
      for (let i = 0; warming; i++) await usage(b, `warm-${i}`, 'warm');
    })();
    try {
      for (const round of [1, 2, 3]) {
        const accountId = `acct-${round}`;
        await a.as('service').post('/v1/accounts', { accountId, plan: 'plus' }).expect(201);
        await usage(b, `fill-${round}`, accountId, 30).expect(201); // the whole 5-hour window
        await usage(b, `over-${round}`, accountId).expect(402);
        await a.advanceClock(1_000);
        await reset(a, `r-${round}`).expect(201);
        const after = await usage(b, `after-${round}`, accountId).expect(201);
        expect(after.body.charged.allowanceUnits).toBe(5);
        expect(after.body.windows.find((w: { window: string }) => w.window === '5h')).toMatchObject({
          used: 5,
        });
      }
    } finally {
      warming = false;
      await warm;
    }
  }, 60_000);

  it('keeps each stream’s ledger time non-decreasing when the nodes’ clocks disagree', async () => {
    await a.as('service').post('/v1/accounts', { accountId: 'acct', plan: 'plus' }).expect(201);
    await b.advanceClock(3_600_000); // node B is an hour ahead of node A
    for (let i = 0; i < 6; i++) {
      await usage(i % 2 === 0 ? b : a, `t-${i}`).expect(201);
    }
    await reset(b, 'r-ahead').expect(201);
    const afterReset = await usage(a, 't-after-reset').expect(201);
    const [resetEvent] = await log.readStream('limits-resets');
    expect(Date.parse(afterReset.body.recordedAt)).toBeGreaterThanOrEqual(
      Date.parse(resetEvent.data.recordedAt as string),
    );
    const times = (await streamOf('acct')).map((e) => Date.parse(e.data.recordedAt as string));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
    expect(times[times.length - 1]).toBeGreaterThanOrEqual(Date.parse(CLOCK_START) + 3_600_000);
  });

  // Finding 41 (docs/RELIABILITY.md): both nodes read the stream's tail before B's append lands, then
  // decide the same command at the same instant: byte-identical events. EventStoreDB answers an
  // idempotent append exactly like a fresh one, so the late node used to answer 201 as well. Every
  // call to the double is held 150 ms here, so both tail reads finish before either append starts.
  const sameInstant = [
    [
      'a hold placement',
      '/v1/holds',
      {
        holdId: 'h1',
        accountId: 'acct',
        product: 'codex',
        lines: [{ operation: 'cloud_task', quantity: 2 }],
      },
    ],
    [
      'a usage',
      '/v1/usage',
      { usageId: 'u1', accountId: 'acct', product: 'codex', operation: 'cloud_task', quantity: 1 },
    ],
  ] as const;
  it.each(sameInstant)(
    'answers %s sent to both nodes at once, at the same instant, once 201 and once 200 + Idempotent-Replayed',
    async (_name, path, body) => {
      await a.as('service').post('/v1/accounts', { accountId: 'acct', plan: 'plus' }).expect(201);
      // Both nodes have run a usage (the account, the resets stream and the key index are warm), so
      // neither makes more calls to the double than the other before its append.
      await usage(a, 'warm-a').expect(201);
      await usage(b, 'warm-b').expect(201);
      const before = await streamOf('acct');
      double.faults.set({ kind: 'delay', ms: 150 });
      const answers = await Promise.all([a, b].map((node) => node.as('service').post(path, body)));
      double.faults.set(undefined);
      console.log(
        JSON.stringify(answers.map((r) => [r.status, r.headers['idempotent-replayed'], r.body])),
        JSON.stringify((await streamOf('acct')).map((e) => [e.id, e.type, e.metadata])),
      );
      const byStatus = [...answers].sort((x, y) => x.status - y.status);
      expect(byStatus.map((r) => [r.status, r.headers['idempotent-replayed']])).toEqual([
        [200, 'true'],
        [201, undefined],
      ]);
      expect(byStatus[0].body).toEqual(byStatus[1].body);
      const after = await streamOf('acct');
      expect(after.slice(before.length).map((e) => e.type)).toEqual([
        path === '/v1/holds' ? 'HoldPlaced' : 'UsageRecorded',
      ]);
      // Both caches are the log: the next command on either node is decided on it and appended.
      await usage(a, 'next-a').expect(201);
      await usage(b, 'next-b').expect(201);
      expect(await streamOf('acct')).toHaveLength(after.length + 2);
    },
  );

  it('answers an organisation pool purchase sent to both nodes at once, at the same instant, once 201 and once 200 + Idempotent-Replayed', async () => {
    const org = { organizationId: 'org-1', plan: 'business', name: 'Org One' };
    await a.as('service').post('/v1/organizations', org).expect(201);
    // Both nodes have the organisation's stream cached (the replay of the open reads it on B).
    await b.as('service').post('/v1/organizations', org).expect(200);
    const purchase = {
      purchaseId: 'op-1',
      credits: '100',
      amountPaid: { amountMinor: 10_000, currency: 'USD' },
    };
    const path = '/v1/organizations/org-1/credits/purchases';
    double.faults.set({ kind: 'delay', ms: 150 });
    const answers = await Promise.all([a, b].map((node) => node.as('service').post(path, purchase)));
    double.faults.set(undefined);
    const byStatus = [...answers].sort((x, y) => x.status - y.status);
    expect(byStatus.map((r) => [r.status, r.headers['idempotent-replayed']])).toEqual([
      [200, 'true'],
      [201, undefined],
    ]);
    expect(byStatus[0].body).toEqual(byStatus[1].body);
  });
});
