import { CLOCK, type Clock } from '../../../apps/ledger/src/clock/clock';
import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';
import { orgRequests } from './org-requests';

/** No periodic sweep during the test: only what a test does expires anything. */
const ENV = { LEDGER_EXPIRY_SWEEP_MS: '86400000' };
const DAY = 86_400_000;

interface Item {
  notificationId: string;
  kind: string;
  accountId: string;
  organizationId?: string;
  data: Record<string, unknown>;
}

describe.each(ENGINES)('organisation notifications (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const r = orgRequests(() => ledger);
  const list = async (path: string, position: string): Promise<Item[]> =>
    (await ledger.as('support').get(`${path}/notifications?minPosition=${position}`).expect(200)).body
      .items as Item[];

  beforeAll(async () => {
    ledger = await startTestLedger(ENV, { engine });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('lists the pool’s credits.expiring and credits.depleted and the members’ member_limit.reached, with organizationId', async () => {
    await r.openOrg('org-n', '10');
    const expiresAt = new Date(ledger.app.get<Clock>(CLOCK).now() + 3 * DAY).toISOString();
    await ledger
      .as('admin')
      .post('/v1/organizations/org-n/credits/grants', {
        grantId: 'og-n',
        credits: '5',
        reason: 'pilot',
        expiresAt,
      })
      .expect(201);
    await r.openAccount('acct-n');
    await r.addMember('org-n', 'acct-n').expect(200);
    await r.limit('org-n', 'members/acct-n', '12').expect(200);
    const limited = await r.spend('u-n1', 'acct-n', 15).expect(402);
    expect(limited.body).toMatchObject({ reason: 'member_limit_reached', limitSource: 'member' });
    await r.limit('org-n', 'members/acct-n', null).expect(200);
    const poor = await r.spend('u-n2', 'acct-n', 18).expect(402);
    expect(poor.body).toMatchObject({ reason: 'insufficient_credits' });
    await r.spend('u-n2', 'acct-n', 18).expect(402); // the replay: no second occasion

    const items = await list('/v1/organizations/org-n', poor.body.position as string);
    expect(items.map((n) => [n.kind, n.accountId, n.organizationId])).toEqual([
      ['credits.expiring', 'org-n', 'org-n'],
      ['member_limit.reached', 'acct-n', 'org-n'],
      ['credits.depleted', 'org-n', 'org-n'],
    ]);
    expect(items[0].data).toEqual({ grantId: 'og-n', remaining: '5', expiresAt });
    expect(items[1].data).toMatchObject({ usageId: 'u-n1', limitSource: 'member', limit: '12' });
    expect(items[2].data).toMatchObject({ memberAccountId: 'acct-n', usageId: 'u-n2', balance: '15' });

    // The member's own list: its refusals (naming the organisation), never the pool's notifications.
    const own = await list('/v1/accounts/acct-n', poor.body.position as string);
    expect(own.map((n) => [n.kind, n.accountId, n.organizationId])).toEqual([
      ['member_limit.reached', 'acct-n', 'org-n'],
      ['credits.depleted', 'acct-n', 'org-n'],
    ]);
  });

  it('answers only service and support, 404 for an unknown organisation, 400 naming a bad cursor', async () => {
    await r.openOrg('org-q');
    await ledger.as('finance').get('/v1/organizations/org-q/notifications').expect(403);
    await ledger.as('admin').get('/v1/organizations/org-q/notifications').expect(403);
    await ledger.as('service').get('/v1/organizations/nobody/notifications').expect(404);
    const bad = await ledger.as('support').get('/v1/organizations/org-q/notifications?cursor=x').expect(400);
    expect(JSON.stringify(bad.body)).toContain('cursor');
    const empty = await ledger.as('service').get('/v1/organizations/org-q/notifications').expect(200);
    expect(empty.body).toEqual({ items: [], nextCursor: null });
  });

  it('PUT alerts: 200 with the setting, the same again appends nothing, 400 naming fields, 404, roles', async () => {
    await r.openOrg('org-s');
    const path = '/v1/organizations/org-s/alerts';
    const set = await ledger
      .as('service')
      .put(path)
      .send({ creditsBelow: '20.50', expiringWithinDays: 3 })
      .expect(200);
    expect(set.body).toMatchObject({ organizationId: 'org-s', creditsBelow: '20.5', expiringWithinDays: 3 });
    const before = await r.head();
    const same = await ledger
      .as('admin')
      .put(path)
      .send({ creditsBelow: '20.5', expiringWithinDays: 3 })
      .expect(200);
    expect(same.body).toMatchObject({ creditsBelow: '20.5', expiringWithinDays: 3 });
    const bad = await ledger
      .as('service')
      .put(path)
      .send({ creditsBelow: 'x', expiringWithinDays: 0 })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('creditsBelow');
    expect(JSON.stringify(bad.body)).toContain('expiringWithinDays');
    await ledger.as('support').put(path).send({ creditsBelow: null, expiringWithinDays: null }).expect(403);
    await ledger
      .as('service')
      .put('/v1/organizations/nobody/alerts')
      .send({ creditsBelow: null, expiringWithinDays: null })
      .expect(404);
    expect(await r.head()).toBe(before);
    const pool = (await r.events('organization-org-s')).filter((e) => e.type === 'AlertsSet');
    expect(pool.map((e) => e.data)).toMatchObject([{ creditsBelow: '20.5', expiringWithinDays: 3 }]);
  });

  it('credits.low when a member’s usage takes the pool below the threshold (once per crossing); null horizon: no credits.expiring', async () => {
    await r.openOrg('org-w', '30');
    await ledger
      .as('service')
      .put('/v1/organizations/org-w/alerts')
      .send({ creditsBelow: '20', expiringWithinDays: null })
      .expect(200);
    const expiresAt = new Date(ledger.app.get<Clock>(CLOCK).now() + 2 * DAY).toISOString();
    await ledger
      .as('admin')
      .post('/v1/organizations/org-w/credits/grants', {
        grantId: 'og-w',
        credits: '1',
        reason: 'pilot',
        expiresAt,
      })
      .expect(201);
    await r.openAccount('acct-w');
    await r.addMember('org-w', 'acct-w').expect(200);
    await r.spend('u-w1', 'acct-w', 9).expect(201); // 31 → 22: above
    await r.spend('u-w2', 'acct-w', 3).expect(201); // 22 → 19: the crossing
    const last = await r.spend('u-w3', 'acct-w', 3).expect(201); // 16: still below, nothing
    const items = await list('/v1/organizations/org-w', last.body.position as string);
    expect(items.map((n) => [n.kind, n.accountId, n.organizationId, n.data])).toEqual([
      ['credits.low', 'org-w', 'org-w', { balance: '19', threshold: '20' }],
    ]);
  });
});
