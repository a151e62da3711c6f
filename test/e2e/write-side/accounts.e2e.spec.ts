import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

describe.each(ENGINES)('accounts (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const head = async () => (await ledger.http().get('/health').expect(200)).body.position as string;
  const open = (role: 'service' | 'admin', accountId: string, plan: string, status: number) =>
    ledger.as(role).post('/v1/accounts', { accountId, plan }).expect(status);

  beforeAll(async () => {
    ledger = await startTestLedger({}, { engine });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('POST /v1/accounts opens an account (201), a repeat answers 200 with the same body and Idempotent-Replayed', async () => {
    const first = await open('service', 'acct-open', 'plus', 201);
    expect(first.body).toMatchObject({ accountId: 'acct-open', plan: 'plus' });
    const again = await open('admin', 'acct-open', 'plus', 200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('POST /v1/accounts answers 409 for an account that exists with another plan, and appends nothing', async () => {
    const before = await head();
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-open', plan: 'pro' }).expect(409);
    expect(await head()).toBe(before);
  });

  it('POST /v1/accounts retried after a plan change answers the original opening; with the new plan 409', async () => {
    const first = await open('service', 'acct-late-retry', 'plus', 201);
    await ledger.as('service').put('/v1/accounts/acct-late-retry/plan', { plan: 'pro' }).expect(200);
    const before = await head();
    const retry = await open('service', 'acct-late-retry', 'plus', 200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    await open('service', 'acct-late-retry', 'pro', 409);
    expect(await head()).toBe(before);
  });

  it('POST /v1/accounts refuses bad bodies with 400 naming each field, and appends nothing', async () => {
    const before = await head();
    const bad = await ledger
      .as('service')
      .post('/v1/accounts', { accountId: 'bad id!', plan: 7, extra: true })
      .expect(400);
    const fields = (bad.body.fields as { field: string }[]).map((f) => f.field);
    expect(new Set(fields)).toEqual(new Set(['accountId', 'plan', 'extra']));
    const unknownPlan = await ledger
      .as('service')
      .post('/v1/accounts', { accountId: 'acct-x', plan: 'platinum' })
      .expect(400);
    expect(unknownPlan.body.fields[0].field).toBe('plan');
    expect(await head()).toBe(before);
  });

  it('refuses a missing or unknown key (401) and a role that is not allowed (403)', async () => {
    await ledger.http().post('/v1/accounts').send({ accountId: 'a', plan: 'plus' }).expect(401);
    await ledger
      .http()
      .post('/v1/accounts')
      .set('authorization', 'Bearer nope')
      .send({ accountId: 'a', plan: 'plus' })
      .expect(401);
    await ledger.as('finance').post('/v1/accounts', { accountId: 'a', plan: 'plus' }).expect(403);
    await ledger.as('support').post('/v1/accounts', { accountId: 'a', plan: 'plus' }).expect(403);
  });

  it('PUT /v1/accounts/{id}/plan changes the plan (200), setting the same plan appends nothing, unknown account is 404', async () => {
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-plan', plan: 'plus' }).expect(201);
    const changed = await ledger
      .as('service')
      .put('/v1/accounts/acct-plan/plan', { plan: 'pro' })
      .expect(200);
    expect(changed.body).toMatchObject({ accountId: 'acct-plan', plan: 'pro', previousPlan: 'plus' });
    const before = await head();
    await ledger.as('admin').put('/v1/accounts/acct-plan/plan', { plan: 'pro' }).expect(200);
    expect(await head()).toBe(before);
    await ledger.as('service').put('/v1/accounts/nobody/plan', { plan: 'pro' }).expect(404);
    await ledger.as('finance').put('/v1/accounts/acct-plan/plan', { plan: 'plus' }).expect(403);
  });

  it('GET /v1/accounts/{id} answers every role with windows, credits and cap; 404 for an unknown account', async () => {
    for (const role of ['service', 'admin', 'finance', 'support'] as const) {
      const got = await ledger.as(role).get('/v1/accounts/acct-plan').expect(200);
      expect(got.body).toMatchObject({
        accountId: 'acct-plan',
        plan: 'pro',
        credits: { balance: '0', grants: [] },
      });
      expect(Array.isArray(got.body.windows)).toBe(true);
    }
    await ledger.as('support').get('/v1/accounts/nobody').expect(404);
    await ledger.http().get('/v1/accounts/acct-plan').expect(401);
  });

  it('GET entitlements is a dry run for service and support: it answers and appends nothing', async () => {
    const before = await head();
    const dry = await ledger
      .as('support')
      .get('/v1/accounts/acct-plan/entitlements?product=codex&operation=local_message&quantity=2')
      .expect(200);
    expect(dry.body).toMatchObject({
      allowed: true,
      outcome: 'accepted',
      charged: { allowanceUnits: 2, credits: '0' },
    });
    await ledger
      .as('service')
      .get('/v1/accounts/acct-plan/entitlements?product=codex&operation=local_message&quantity=1')
      .expect(200);
    await ledger
      .as('admin')
      .get('/v1/accounts/acct-plan/entitlements?product=codex&operation=local_message&quantity=1')
      .expect(403);
    const bad = await ledger
      .as('service')
      .get('/v1/accounts/acct-plan/entitlements?product=codex&operation=nope&quantity=x')
      .expect(400);
    expect((bad.body.fields as { field: string }[]).map((f) => f.field)).toContain('quantity');
    await ledger
      .as('service')
      .get('/v1/accounts/acct-plan/entitlements?product=codex&operation=nope&quantity=1')
      .expect(400);
    expect(await head()).toBe(before);
  });

  it('serves ids of the full 128 characters, and refuses a body nested deeper than 32 levels with 400', async () => {
    const accountId = 'L'.repeat(128);
    await ledger.as('service').post('/v1/accounts', { accountId, plan: 'plus' }).expect(201);
    await ledger.as('support').get(`/v1/accounts/${accountId}`).expect(200);
    const deep = `{"accountId":"deep","plan":"plus","x":${'['.repeat(2_000)}${']'.repeat(2_000)}}`;
    const refused = await ledger
      .as('service')
      .post('/v1/accounts')
      .set('content-type', 'application/json')
      .send(deep)
      .expect(400);
    expect(refused.body.message).toContain('deeper than 32');
  });
});
