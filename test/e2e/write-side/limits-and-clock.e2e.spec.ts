import * as fs from 'node:fs';
import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

describe.each(ENGINES)('limit resets and the simulated clock (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const use = (id: string, accountId: string, quantity = 10) =>
    ledger
      .as('service')
      .post('/v1/usage', { usageId: id, accountId, product: 'codex', operation: 'local_message', quantity });
  const fiveHourUsed = async (accountId: string) =>
    (await ledger.as('support').get(`/v1/accounts/${accountId}`).expect(200)).body.windows.find(
      (w: { product: string; window: string }) => w.product === 'codex' && w.window === '5h',
    ).used as number;

  beforeAll(async () => {
    ledger = await startTestLedger({}, { engine });
    for (const [accountId, plan] of [
      ['a-plus', 'plus'],
      ['a-pro', 'pro'],
      ['a-one', 'plus'],
    ]) {
      await ledger.as('service').post('/v1/accounts', { accountId, plan }).expect(201);
      await use(`${accountId}-u1`, accountId).expect(201);
    }
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('resets one account (scope account) without touching the others', async () => {
    await ledger
      .as('admin')
      .post('/v1/limits/resets', {
        resetId: 'r-acct',
        scope: 'account',
        accountId: 'a-one',
        reason: 'support',
      })
      .expect(201);
    expect(await fiveHourUsed('a-one')).toBe(0);
    expect(await fiveHourUsed('a-plus')).toBe(10);
    await ledger
      .as('admin')
      .post('/v1/limits/resets', { resetId: 'r-x', scope: 'account', accountId: 'nobody', reason: 'x' })
      .expect(404);
  });

  it('resets one plan with one event; a global reset voids every window; replays answer 200, other bodies 409', async () => {
    await ledger.advanceClock(1000);
    const plan = await ledger
      .as('admin')
      .post('/v1/limits/resets', { resetId: 'r-plan', scope: 'plan', plan: 'pro', reason: 'pro reset' })
      .expect(201);
    expect(plan.body).toMatchObject({ resetId: 'r-plan', scope: 'plan', plan: 'pro' });
    expect(await fiveHourUsed('a-pro')).toBe(0);
    expect(await fiveHourUsed('a-plus')).toBe(10);
    await ledger.advanceClock(1000);
    const all = await ledger
      .as('admin')
      .post('/v1/limits/resets', { resetId: 'r-all', scope: 'all', reason: 'launch' })
      .expect(201);
    expect(await fiveHourUsed('a-plus')).toBe(0);
    const replay = await ledger
      .as('admin')
      .post('/v1/limits/resets', { resetId: 'r-all', scope: 'all', reason: 'launch' })
      .expect(200);
    expect(replay.body).toEqual(all.body);
    await ledger
      .as('admin')
      .post('/v1/limits/resets', { resetId: 'r-all', scope: 'all', reason: 'other' })
      .expect(409);
    const after = await use('a-plus-u2', 'a-plus', 1).expect(201);
    expect(after.body.windows[0].used).toBe(1);
  });

  it('refuses malformed resets (400) and non-admins (403)', async () => {
    const cases: Record<string, unknown>[] = [
      { resetId: 'r-b1', scope: 'plan', reason: 'no plan' },
      { resetId: 'r-b2', scope: 'account', reason: 'no account' },
      { resetId: 'r-b3', scope: 'everyone', reason: 'x' },
      { resetId: 'r-b4', scope: 'all', plan: 'plus', reason: 'plan on all' },
      { resetId: 'r-b5', scope: 'all', reason: '' },
      { resetId: 'r-b6', scope: 'plan', plan: 'platinum', reason: 'unknown plan' },
    ];
    for (const body of cases) await ledger.as('admin').post('/v1/limits/resets', body).expect(400);
    await ledger
      .as('service')
      .post('/v1/limits/resets', { resetId: 'r-s', scope: 'all', reason: 'x' })
      .expect(403);
  });

  it('moves the simulated clock forward only, for admins only', async () => {
    const moved = await ledger.as('admin').post('/v1/admin/clock', { advanceMs: 60_000 }).expect(200);
    const now = Date.parse(moved.body.now);
    await ledger
      .as('admin')
      .post('/v1/admin/clock', { now: new Date(now - 1).toISOString() })
      .expect(400);
    const set = await ledger
      .as('admin')
      .post('/v1/admin/clock', { now: new Date(now + 5).toISOString() })
      .expect(200);
    expect(Date.parse(set.body.now)).toBe(now + 5);
    await ledger.as('admin').post('/v1/admin/clock', {}).expect(400);
    await ledger.as('service').post('/v1/admin/clock', { advanceMs: 1 }).expect(403);
  });
});

describe('system clock and generated keys (e2e)', () => {
  it('answers 404 on the clock endpoint on the system clock; generates owner-only keys when none are configured', async () => {
    const ledger = await startTestLedger({ LEDGER_CLOCK: 'system', LEDGER_API_KEYS: '' });
    try {
      const file = `${ledger.dataDir}/api-keys`;
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const adminKey = fs
        .readFileSync(file, 'utf8')
        .trim()
        .split(/[,\n]/) // one entry a line (older files: comma-separated)
        .find((e) => e.startsWith('admin@'))!
        .split(':')
        .slice(1) // role@keyId:key
        .join(':');
      await ledger
        .http()
        .post('/v1/admin/clock')
        .set('authorization', `Bearer ${adminKey}`)
        .send({ advanceMs: 1 })
        .expect(404);
      await ledger.http().get('/health').expect(200);
      const metrics = await ledger.http().get('/metrics').expect(200);
      expect(metrics.text).toContain('ledger_http_requests_total');
      await ledger.http().get('/docs/json').expect(200);
    } finally {
      await ledger.close();
      removeDir(ledger.dataDir);
    }
  });
});
