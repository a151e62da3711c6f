import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';
import { orgRequests, TOKENS, tokensFor } from './org-requests';

/** No periodic sweep during the test: only what a test does expires anything. */
const ENV = { LEDGER_EXPIRY_SWEEP_MS: '86400000' };

describe.each(ENGINES)('organisations: writes (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const r = orgRequests(() => ledger);

  beforeAll(async () => {
    ledger = await startTestLedger(ENV, { engine });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('opens an organisation (201), replays it (200), refuses another plan under the same id (409)', async () => {
    const body = { organizationId: 'org-open', plan: 'business', name: 'Acme' };
    const opened = await ledger.as('service').post('/v1/organizations', body).expect(201);
    expect(opened.body).toMatchObject({ organizationId: 'org-open', plan: 'business', name: 'Acme' });
    const again = await ledger.as('admin').post('/v1/organizations', body).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(opened.body);
    await ledger
      .as('service')
      .post('/v1/organizations', { ...body, plan: 'enterprise' })
      .expect(409);
    await ledger.as('support').post('/v1/organizations', body).expect(403);
  });

  it('answers each write route only for the roles API.md lists (403 otherwise, nothing appended)', async () => {
    await r.openOrg('org-roles');
    await r.openAccount('acct-roles');
    const before = await r.head();
    const org = '/v1/organizations/org-roles';
    const purchase = { purchaseId: 'pp-r', credits: '1', amountPaid: { amountMinor: 1, currency: 'USD' } };
    await ledger.as('admin').post(`${org}/credits/purchases`, purchase).expect(403);
    await ledger
      .as('service')
      .post(`${org}/credits/grants`, { grantId: 'g-r', credits: '1', reason: 'r' })
      .expect(403);
    await ledger.as('support').put(`${org}/members/acct-roles`, {}).expect(403);
    await ledger.as('finance').put(`${org}/spend-limits/default`, { creditsPerMonth: '1' }).expect(403);
    await ledger
      .as('admin')
      .post(`${org}/credit-requests`, { requestId: 'cr-r', accountId: 'acct-roles', credits: '1' })
      .expect(403);
    await ledger.as('service').post(`${org}/credit-requests/cr-r/decision`, { approve: true }).expect(403);
    await ledger
      .http()
      .delete(`${org}/members/acct-roles`)
      .set('authorization', 'Bearer sup-key-1')
      .expect(403);
    await ledger
      .http()
      .post('/v1/organizations')
      .send({ organizationId: 'o', plan: 'business', name: 'o' })
      .expect(401);
    expect(await r.head()).toBe(before);
    await ledger.as('admin').put(`${org}/members/acct-roles`, { group: 'ops' }).expect(200);
    await ledger.as('admin').put(`${org}/spend-limits/groups/ops`, { creditsPerMonth: '5' }).expect(200);
  });

  it('refuses bad input with 400 naming each field, and appends nothing', async () => {
    await r.openOrg('org-bad');
    await r.openAccount('acct-bad');
    const before = await r.head();
    const bad = await ledger
      .as('service')
      .post('/v1/organizations', { organizationId: 'a b', plan: 'business', name: '', extra: 1 })
      .expect(400);
    const fields = (bad.body.fields as { field: string }[]).map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['organizationId', 'name', 'extra']));
    await ledger
      .as('service')
      .post('/v1/organizations', { organizationId: 'org-x', plan: 'nope', name: 'x' })
      .expect(400);
    await r.limit('org-bad', 'default', '-1').expect(400);
    await r.limit('org-bad', 'default', '1.1234567').expect(400);
    await r.limit('org-bad', 'groups/bad group', '1').expect(400);
    await r.addMember('org-bad', 'acct-bad', 'a/b').expect(400);
    await r.requestCredits('org-bad', 'cr-bad', 'acct-bad', '0').expect(400);
    await ledger
      .as('admin')
      .post('/v1/organizations/org-bad/credit-requests/cr-1/decision', { approve: 'yes' })
      .expect(400);
    await ledger
      .as('service')
      .post('/v1/organizations/org-bad/credits/purchases', {
        purchaseId: 'pp',
        credits: '1e3',
        amountPaid: { amountMinor: 1, currency: 'USD' },
      })
      .expect(400);
    expect(await r.head()).toBe(before);
  });

  it('adds, moves and removes members; an account in another organisation is a 409; unknown ones 404', async () => {
    await r.openOrg('org-m1');
    await r.openOrg('org-m2');
    await r.openAccount('acct-m');
    await r.addMember('org-m1', 'acct-nobody').expect(404);
    await r.addMember('org-nowhere', 'acct-m').expect(404);
    const added = await r.addMember('org-m1', 'acct-m', 'eng').expect(200);
    expect(added.body).toMatchObject({ organizationId: 'org-m1', accountId: 'acct-m', group: 'eng' });
    const moved = await r.addMember('org-m1', 'acct-m', 'sales').expect(200);
    expect(moved.body).toMatchObject({ group: 'sales' });
    const conflict = await r.addMember('org-m2', 'acct-m').expect(409);
    expect(conflict.body.message).toContain('org-m1');
    const account = await ledger
      .as('support')
      .get(`/v1/accounts/acct-m?minPosition=${moved.body.position}`)
      .expect(200);
    expect(account.body.plan).toBe('business');
    await r.removeMember('org-m1', 'acct-m').expect(204);
    await r.removeMember('org-m1', 'acct-m').expect(204);
    await r.removeMember('org-nowhere', 'acct-m').expect(404);
    await r.removeMember('org-m1', 'acct-nobody').expect(404);
    await r.addMember('org-m2', 'acct-m').expect(200);
  });

  it('charges a member’s overage to the pool: allocations name pool grants, balance = lesser of pool and remaining limit', async () => {
    await r.openOrg('org-u', '100');
    await r.openAccount('acct-u');
    // The member's own credits wait until it leaves.
    await ledger
      .as('service')
      .post('/v1/accounts/acct-u/credits/purchases', {
        purchaseId: 'own-u',
        credits: '50',
        amountPaid: { amountMinor: 1, currency: 'USD' },
      })
      .expect(201);
    await r.addMember('org-u', 'acct-u').expect(200);
    const unlimited = await r.spend('u-u1', 'acct-u', 30).expect(201);
    expect(unlimited.body).toMatchObject({
      usageId: 'u-u1',
      accountId: 'acct-u',
      outcome: 'accepted',
      charged: { allowanceUnits: 0, credits: '30', allocations: [{ grantId: 'pp-org-u', credits: '30' }] },
      credits: { balance: '70' },
    });
    await r.limit('org-u', 'default', '45').expect(200);
    const limited = await r.spend('u-u2', 'acct-u', 6).expect(201);
    // pool 64, limit 45 − 36 spent = 9: the lesser.
    expect(limited.body.credits.balance).toBe('9');
    const replay = await r.spend('u-u2', 'acct-u', 6).expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(limited.body);
    const account = await ledger
      .as('support')
      .get(`/v1/accounts/acct-u?minPosition=${limited.body.position}`)
      .expect(200);
    expect(account.body.credits.balance).toBe('50');
    expect(account.body.organizationId).toBe('org-u');
    // The pool paid 36 and holds nothing: the settlement is in the log before the answer.
    const view = await r.view('org-u', limited.body.position);
    expect(view.credits).toMatchObject({ balance: '64', held: '0' });
    expect(view.credits.grants).toMatchObject([{ grantId: 'pp-org-u', remaining: '64', held: '0' }]);
    expect(view.members).toEqual([
      {
        accountId: 'acct-u',
        group: null,
        spentThisMonth: '36',
        limit: '45',
        limitSource: 'default',
        remainingThisMonth: '9',
      },
    ]);
    // Left: its own credits pay again.
    await r.removeMember('org-u', 'acct-u').expect(204);
    const own = await r.spend('u-u3', 'acct-u', 3).expect(201);
    expect(own.body.charged.allocations).toEqual([{ grantId: 'own-u', credits: '3' }]);
  });

  it('rejects member_limit_reached naming the level and the limit, at member, group and default; the same 402 on retry', async () => {
    await r.openOrg('org-l', '1000');
    await r.openAccount('acct-l');
    await r.addMember('org-l', 'acct-l', 'eng').expect(200);
    await r.limit('org-l', 'default', '50').expect(200);
    await r.limit('org-l', 'groups/eng', '40').expect(200);
    await r.limit('org-l', 'members/acct-l', '30').expect(200);
    const before = await r.head();
    const byMember = await r.spend('u-l1', 'acct-l', 33).expect(402);
    expect(byMember.body).toMatchObject({
      outcome: 'rejected',
      reason: 'member_limit_reached',
      limitSource: 'member',
      limit: '30',
      requiredCredits: '33',
      charged: { credits: '0', allocations: [] },
    });
    expect(BigInt(byMember.body.position)).toBeGreaterThan(BigInt(before));
    const again = await r.spend('u-l1', 'acct-l', 33).expect(402);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(byMember.body);
    await r.limit('org-l', 'members/acct-l', null).expect(200);
    await r.spend('u-l2', 'acct-l', 33).expect(201);
    const byGroup = await r.spend('u-l3', 'acct-l', 9).expect(402);
    expect(byGroup.body).toMatchObject({ reason: 'member_limit_reached', limitSource: 'group', limit: '40' });
    await r.limit('org-l', 'groups/eng', null).expect(200);
    await r.spend('u-l4', 'acct-l', 9).expect(201);
    const byDefault = await r.spend('u-l5', 'acct-l', 9).expect(402);
    expect(byDefault.body).toMatchObject({
      reason: 'member_limit_reached',
      limitSource: 'default',
      limit: '50',
    });
    const view = await r.view('org-l', byDefault.body.position);
    expect(view.members).toMatchObject([
      { accountId: 'acct-l', group: 'eng', spentThisMonth: '42', limitSource: 'default' },
    ]);
    expect(view.credits).toMatchObject({ balance: '958', held: '0' });
    // Each refusal is a member_limit.reached occasion (source and limit differ), the replay is not.
    const notes = await ledger
      .as('support')
      .get(`/v1/accounts/acct-l/notifications?minPosition=${byDefault.body.position as string}`)
      .expect(200);
    const reached = (notes.body.items as { kind: string }[]).filter((n) => n.kind === 'member_limit.reached');
    expect(reached).toMatchObject([
      {
        accountId: 'acct-l',
        organizationId: 'org-l',
        data: { usageId: 'u-l1', limitSource: 'member', limit: '30' },
      },
      {
        accountId: 'acct-l',
        organizationId: 'org-l',
        data: { usageId: 'u-l3', limitSource: 'group', limit: '40' },
      },
      {
        accountId: 'acct-l',
        organizationId: 'org-l',
        data: { usageId: 'u-l5', limitSource: 'default', limit: '50' },
      },
    ]);
  });

  it('rejects insufficient_credits when the pool cannot pay, and the same 402 on retry', async () => {
    await r.openOrg('org-p', '10');
    await r.openAccount('acct-p');
    await r.addMember('org-p', 'acct-p').expect(200);
    const poor = await r.spend('u-p1', 'acct-p', 12).expect(402);
    expect(poor.body).toMatchObject({ reason: 'insufficient_credits', requiredCredits: '12' });
    const again = await r.spend('u-p1', 'acct-p', 12).expect(402);
    expect(again.body).toEqual(poor.body);
    const fits = await r.spend('u-p2', 'acct-p', 9).expect(201);
    expect(fits.body.credits.balance).toBe('1');
    const pool = (await r.events('organization-org-p')).map((e) => e.type);
    expect(pool.filter((t) => t === 'MemberSpendRejected')).toHaveLength(1);
    expect(pool.filter((t) => t === 'MemberSpendSettled')).toHaveLength(1);
  });

  it('the same member usage sent twenty times at once is charged to the pool once', async () => {
    await r.openOrg('org-same', '100');
    await r.openAccount('acct-same');
    await r.addMember('org-same', 'acct-same').expect(200);
    const answers = await Promise.all(Array.from({ length: 20 }, () => r.spend('u-same', 'acct-same', 30)));
    expect(answers.map((res) => res.status).sort()).toEqual([...Array.from({ length: 19 }, () => 200), 201]);
    for (const res of answers) expect(res.body.charged).toMatchObject({ credits: '30' });
    const pool = await r.events('organization-org-same');
    const settled = pool.filter((e) => e.type === 'MemberSpendSettled');
    expect(settled.map((e) => e.data.credits)).toEqual(['30']);
    const used = settled[0].data.holdId;
    expect(pool.filter((e) => e.type === 'MemberSpendReleased' && e.data.holdId === used)).toEqual([]);
    const view = await r.view('org-same', await r.head());
    expect(view.credits).toMatchObject({ balance: '70', held: '0' });
  });

  it('takes a member’s usage in a batch through the pool too, each record on its own', async () => {
    await r.openOrg('org-b', '20');
    await r.openAccount('acct-b');
    await r.addMember('org-b', 'acct-b').expect(200);
    const record = (usageId: string, credits: number) => ({
      usageId,
      accountId: 'acct-b',
      product: 'codex',
      operation: TOKENS,
      quantity: tokensFor(credits),
    });
    const batch = await ledger
      .as('service')
      .post('/v1/usage/batch', { records: [record('u-b1', 9), record('u-b2', 9), record('u-b3', 9)] })
      .expect(200);
    const statuses = (batch.body.results as { status: number }[]).map((x) => x.status).sort();
    expect(statuses).toEqual([201, 201, 402]);
    const rejected = (batch.body.results as { status: number; reason?: string }[]).find(
      (x) => x.status === 402,
    );
    expect(rejected?.reason).toBe('insufficient_credits');
    const pool = await r.events('organization-org-b');
    const settled = pool.filter((e) => e.type === 'MemberSpendSettled').map((e) => e.data.credits);
    expect(settled).toEqual(['9', '9']);
    expect(pool.filter((e) => e.type === 'MemberSpendReserved')).toHaveLength(2);
  });

  it('records credit requests; a decline changes nothing; an approval raises the limit for this UTC month only', async () => {
    await r.openOrg('org-c', '1000');
    await r.openAccount('acct-c');
    await r.addMember('org-c', 'acct-c').expect(200);
    await r.limit('org-c', 'members/acct-c', '30').expect(200);
    await r.spend('u-c1', 'acct-c', 30).expect(201);
    const pending = await r.requestCredits('org-c', 'cr-no', 'acct-c', '15').expect(201);
    expect(pending.body).toMatchObject({ requestId: 'cr-no', status: 'pending' });
    const declined = await r.decide('org-c', 'cr-no', false).expect(200);
    expect(declined.body).toMatchObject({ requestId: 'cr-no', status: 'declined' });
    await r.spend('u-c2', 'acct-c', 3).expect(402);
    await r.requestCredits('org-c', 'cr-yes', 'acct-c', '15').expect(201);
    const replayedRequest = await r.requestCredits('org-c', 'cr-yes', 'acct-c', '15').expect(200);
    expect(replayedRequest.headers['idempotent-replayed']).toBe('true');
    await r.requestCredits('org-c', 'cr-yes', 'acct-c', '16').expect(409);
    const approved = await r.decide('org-c', 'cr-yes', true).expect(200);
    expect(approved.body).toMatchObject({ requestId: 'cr-yes', status: 'approved' });
    const replayedDecision = await r.decide('org-c', 'cr-yes', true).expect(200);
    expect(replayedDecision.headers['idempotent-replayed']).toBe('true');
    await r.decide('org-c', 'cr-yes', false).expect(409);
    await r.decide('org-c', 'cr-unknown', true).expect(404);
    const raised = await r.spend('u-c3', 'acct-c', 15).expect(201);
    expect(raised.body.credits.balance).toBe('0');
    const view = await r.view('org-c', raised.body.position);
    expect(view.members).toMatchObject([
      { accountId: 'acct-c', spentThisMonth: '45', limit: '45', limitSource: 'member' },
    ]);
    expect(view.creditRequests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ requestId: 'cr-no', status: 'declined' }),
        expect.objectContaining({
          requestId: 'cr-yes',
          status: 'approved',
          month: '2026-11',
          override: '45',
        }),
      ]),
    );
    await r.spend('u-c4', 'acct-c', 3).expect(402);
    // Across the UTC month end (the clock started 2026-11-01): the override is gone, spend starts again.
    await ledger.as('admin').post('/v1/admin/clock', { now: '2026-12-01T00:00:00.000Z' }).expect(200);
    await r.spend('u-c5', 'acct-c', 30).expect(201);
    const december = await r.spend('u-c6', 'acct-c', 3).expect(402);
    expect(december.body).toMatchObject({
      reason: 'member_limit_reached',
      limitSource: 'member',
      limit: '30',
    });
  });
});
