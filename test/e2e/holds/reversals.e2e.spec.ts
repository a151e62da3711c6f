import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';
import { holdRequests, TOKENS, tokensFor } from './hold-requests';

describe.each(ENGINES)('reversals (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const service = () => ledger.as('service');
  const { head, open, hold, settle } = holdRequests(() => ledger);
  beforeAll(async () => {
    ledger = await startTestLedger({}, { engine });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('reverses a usage once (201), answers its retry 200 and a second reversal 409', async () => {
    await open('acct-reverse', '100');
    await service()
      .post('/v1/usage', {
        usageId: 'u-rev',
        accountId: 'acct-reverse',
        product: 'codex',
        operation: TOKENS,
        quantity: tokensFor(12),
      })
      .expect(201);
    const reversed = await ledger
      .as('admin')
      .post('/v1/usage/u-rev/reversals', { reversalId: 'rv-1', reason: 'task failed' })
      .expect(201);
    expect(reversed.body).toMatchObject({
      reversalId: 'rv-1',
      usageId: 'u-rev',
      accountId: 'acct-reverse',
      reversed: {
        allowanceUnits: 0,
        credits: '12',
        allocations: [{ grantId: 'p-acct-reverse', credits: '12' }],
      },
      regranted: null,
    });
    const again = await ledger
      .as('admin')
      .post('/v1/usage/u-rev/reversals', { reversalId: 'rv-1', reason: 'task failed' })
      .expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(reversed.body);
    const twice = await ledger
      .as('admin')
      .post('/v1/usage/u-rev/reversals', { reversalId: 'rv-2', reason: 'again' })
      .expect(409);
    expect(twice.body.message).toContain('rv-1');
    const position = await head();
    const account = await ledger
      .as('support')
      .get(`/v1/accounts/acct-reverse?minPosition=${position}`)
      .expect(200);
    expect(account.body.credits.balance).toBe('100');
  });

  it('refuses (409, naming them) to reverse a usage id that two accounts recorded', async () => {
    await open('acct-twin-1', '10');
    await open('acct-twin-2', '10');
    for (const accountId of ['acct-twin-1', 'acct-twin-2'])
      await service()
        .post('/v1/usage', {
          usageId: 'u-twin',
          accountId,
          product: 'codex',
          operation: TOKENS,
          quantity: 4000,
        })
        .expect(201);
    const before = await head();
    const refused = await ledger
      .as('admin')
      .post('/v1/usage/u-twin/reversals', { reversalId: 'rv-twin', reason: 'task failed' })
      .expect(409);
    expect(refused.body.message).toContain('acct-twin-1');
    expect(refused.body.message).toContain('acct-twin-2');
    expect(await head()).toBe(before);
  });

  it('reverses a settlement of a hold', async () => {
    await open('acct-rev-settled', '100');
    await hold('h-rev', 'acct-rev-settled', 30).expect(201);
    await settle('h-rev', 'u-rev-settled', 21).expect(201);
    const reversed = await ledger
      .as('admin')
      .post('/v1/usage/u-rev-settled/reversals', { reversalId: 'rv-settled', reason: 'task failed' })
      .expect(201);
    expect(reversed.body.reversed).toMatchObject({ credits: '21' });
    const position = await head();
    const account = await ledger
      .as('support')
      .get(`/v1/accounts/acct-rev-settled?minPosition=${position}`)
      .expect(200);
    expect(account.body.credits.balance).toBe('100');
  });

  it('gives the units back to the window still open, and credits of a grant expired since as a new grant', async () => {
    await open('acct-units-back');
    const used = await service()
      .post('/v1/usage', {
        usageId: 'u-units',
        accountId: 'acct-units-back',
        product: 'codex',
        operation: 'cloud_task',
        quantity: 2,
      })
      .expect(201);
    expect(used.body.windows[0]).toMatchObject({ window: '5h', used: 10 });
    const reversed = await ledger
      .as('admin')
      .post('/v1/usage/u-units/reversals', { reversalId: 'rv-units', reason: 'task failed' })
      .expect(201);
    expect(reversed.body.reversed).toMatchObject({ allowanceUnits: 10, credits: '0' });
    const account = await ledger
      .as('support')
      .get(`/v1/accounts/acct-units-back?minPosition=${reversed.body.position}`)
      .expect(200);
    expect(account.body.windows.find((w: { window: string }) => w.window === '5h')).toMatchObject({
      used: 0,
    });

    await service().post('/v1/accounts', { accountId: 'acct-regrant', plan: 'plus' }).expect(201);
    const soon = new Date(Date.parse(used.body.recordedAt) + 60_000).toISOString();
    await service()
      .post('/v1/accounts/acct-regrant/credits/purchases', {
        purchaseId: 'p-soon',
        credits: '30',
        amountPaid: { amountMinor: 100, currency: 'USD' },
        expiresAt: soon,
      })
      .expect(201);
    await service()
      .post('/v1/usage', {
        usageId: 'u-soon',
        accountId: 'acct-regrant',
        product: 'codex',
        operation: TOKENS,
        quantity: tokensFor(9),
      })
      .expect(201);
    await ledger.advanceClock(120_000); // the purchase expires (written off by the sweep)
    const regranted = await ledger
      .as('admin')
      .post('/v1/usage/u-soon/reversals', { reversalId: 'rv-soon', reason: 'task failed' })
      .expect(201);
    expect(regranted.body).toMatchObject({
      reversed: { credits: '9', allocations: [] },
      regranted: { grantId: 'reversal-rv-soon', credits: '9' },
    });
    const after = await ledger
      .as('support')
      .get(`/v1/accounts/acct-regrant?minPosition=${regranted.body.position}`)
      .expect(200);
    expect(after.body.credits.balance).toBe('9');
  });
});
