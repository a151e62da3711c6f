import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

/**
 * SPEC §8 over HTTP, on both engines: alert settings and auto top-up (PUT, 200, idempotent by
 * value), top-up failures (POST, 201, replayed), validation (400 naming fields, nothing appended),
 * roles. Rate card: plus/codex 5h window 150 units; local_message 1 unit, 5 credits beyond it.
 */
describe.each(ENGINES)('alerts and auto top-up (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const base = '/v1/accounts/acct-a';
  const setting = { enabled: true, belowCredits: '50', targetCredits: '200', monthlyLimitCredits: '500' };
  let usageNo = 0;
  const use = (quantity: number) =>
    ledger.as('service').post('/v1/usage', {
      usageId: `u-${(usageNo += 1)}`,
      accountId: 'acct-a',
      product: 'codex',
      operation: 'local_message',
      quantity,
    });
  const timelineTypes = async (position: string) => {
    const res = await ledger
      .as('support')
      .get(`${base}/timeline?limit=500&minPosition=${position}`)
      .expect(200);
    return (res.body.items as { type: string; data: Record<string, unknown> }[]).map((i) => i);
  };

  beforeAll(async () => {
    ledger = await startTestLedger({}, { engine });
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-a', plan: 'plus' }).expect(201);
    await ledger
      .as('service')
      .post(`${base}/credits/purchases`, {
        purchaseId: 'p-1',
        credits: '100',
        amountPaid: { amountMinor: 1000, currency: 'USD' },
      })
      .expect(201);
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('PUT alerts: 200 with the setting, the same again appends nothing, null turns each off', async () => {
    const first = await ledger
      .as('service')
      .put(`${base}/alerts`, { creditsBelow: '10.50', expiringWithinDays: 3 })
      .expect(200);
    expect(first.body).toMatchObject({ accountId: 'acct-a', creditsBelow: '10.5', expiringWithinDays: 3 });
    const again = await ledger
      .as('admin')
      .put(`${base}/alerts`, { creditsBelow: '10.5', expiringWithinDays: 3 })
      .expect(200);
    expect(again.body).toEqual(first.body); // unchanged: the same position, nothing appended
    const off = await ledger
      .as('service')
      .put(`${base}/alerts`, { creditsBelow: null, expiringWithinDays: null })
      .expect(200);
    expect(off.body).toMatchObject({ creditsBelow: null, expiringWithinDays: null });
    expect(BigInt(off.body.position)).toBeGreaterThan(BigInt(first.body.position));
  });

  it('refuses bad bodies with 400 naming each field, appending nothing; roles as API.md says', async () => {
    const before = await ledger
      .as('service')
      .put(`${base}/alerts`, { creditsBelow: null, expiringWithinDays: null })
      .expect(200);
    const cases: [string, Record<string, unknown>, string[]][] = [
      ['alerts', { creditsBelow: '1e3', expiringWithinDays: 0 }, ['creditsBelow', 'expiringWithinDays']],
      ['alerts', { creditsBelow: 5 }, ['creditsBelow', 'expiringWithinDays']],
      ['alerts', { creditsBelow: null, expiringWithinDays: 366, extra: 1 }, ['expiringWithinDays', 'extra']],
      ['auto-top-up', { ...setting, enabled: 'yes', targetCredits: '0' }, ['enabled', 'targetCredits']],
      [
        'auto-top-up',
        { ...setting, belowCredits: '-1', monthlyLimitCredits: undefined },
        ['belowCredits', 'monthlyLimitCredits'],
      ],
      ['auto-top-up', { ...setting, targetCredits: '50' }, ['targetCredits']],
    ];
    for (const [path, body, fields] of cases) {
      const res = await ledger.as('service').put(`${base}/${path}`, body).expect(400);
      const named = (res.body.fields as { field: string }[]).map((f) => f.field);
      for (const field of fields) expect(named).toContain(field);
    }
    await ledger.as('service').post(`${base}/top-ups/bad%20id/failure`, { reason: 'x' }).expect(400);
    await ledger.as('service').post(`${base}/top-ups/topup-1/failure`, { reason: '' }).expect(400);
    const after = await ledger
      .as('service')
      .put(`${base}/alerts`, { creditsBelow: null, expiringWithinDays: null })
      .expect(200);
    expect(after.body.position).toBe(before.body.position);

    await ledger
      .as('finance')
      .put(`${base}/alerts`, { creditsBelow: null, expiringWithinDays: 7 })
      .expect(403);
    await ledger.as('support').put(`${base}/auto-top-up`, setting).expect(403);
    await ledger.as('admin').post(`${base}/top-ups/topup-1/failure`, { reason: 'x' }).expect(403);
    await ledger.http().put(`${base}/alerts`).send({ creditsBelow: null, expiringWithinDays: 7 }).expect(401);
    await ledger
      .as('service')
      .put('/v1/accounts/nobody/alerts', { creditsBelow: null, expiringWithinDays: 7 })
      .expect(404);
    await ledger.as('service').put('/v1/accounts/nobody/auto-top-up', setting).expect(404);
  });

  it('auto top-up: the usage that leaves the balance low answers as usage, and its append requests the top-up', async () => {
    const set = await ledger.as('service').put(`${base}/auto-top-up`, setting).expect(200);
    expect(set.body).toMatchObject({ ...setting, accountId: 'acct-a', topUpRequested: null });
    const same = await ledger
      .as('admin')
      .put(`${base}/auto-top-up`, { ...setting, targetCredits: '200.000' })
      .expect(200);
    expect(same.body).toEqual(set.body);

    await use(150).expect(201); // the allowance
    const low = await use(11).expect(201); // 55 credits: 45 left, below 50
    expect(low.body).toMatchObject({ outcome: 'accepted', credits: { balance: '45' } });
    const items = await timelineTypes(low.body.position);
    const requested = items.filter((i) => i.type === 'TopUpRequested');
    expect(requested).toHaveLength(1);
    expect(requested[0].data).toMatchObject({ credits: '155', balance: '45' });
    const topUpId = requested[0].data.topUpId as string;

    // One outstanding at a time: more usage below the threshold asks for nothing more.
    const more = await use(1).expect(201);
    expect((await timelineTypes(more.body.position)).filter((i) => i.type === 'TopUpRequested')).toHaveLength(
      1,
    );

    // A failure closes it (201), is replayed (200, same body), and cannot be reported twice for another reason.
    const failed = await ledger
      .as('service')
      .post(`${base}/top-ups/${topUpId}/failure`, { reason: 'card declined' })
      .expect(201);
    expect(failed.body).toMatchObject({
      topUpId,
      credits: '155',
      failuresInARow: 1,
      autoTopUpTurnedOff: false,
    });
    const replay = await ledger
      .as('service')
      .post(`${base}/top-ups/${topUpId}/failure`, { reason: 'card declined' })
      .expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(failed.body);
    await ledger.as('service').post(`${base}/top-ups/${topUpId}/failure`, { reason: 'other' }).expect(409);
    await ledger.as('service').post(`${base}/top-ups/topup-999/failure`, { reason: 'x' }).expect(409);

    // The next command below the threshold asks again; an ordinary purchase with its id fulfils it.
    const next = await use(1).expect(201);
    const second = (await timelineTypes(next.body.position)).filter((i) => i.type === 'TopUpRequested');
    expect(second).toHaveLength(2);
    const secondId = second[1].data.topUpId as string;
    expect(secondId).not.toBe(topUpId);
    await ledger
      .as('service')
      .post(`${base}/credits/purchases`, {
        purchaseId: secondId,
        credits: second[1].data.credits,
        amountPaid: { amountMinor: 1000, currency: 'USD' },
      })
      .expect(201);
    const account = await ledger.as('support').get(base).expect(200);
    expect(account.body.credits.balance).toBe('200');

    // The notifications read model saw both requests and the failure, each once, in log order.
    const head = account.body.position ?? next.body.position;
    const notes = await ledger
      .as('support')
      .get(`${base}/notifications?minPosition=${head as string}`)
      .expect(200);
    const kinds = (notes.body.items as { kind: string }[])
      .map((n) => n.kind)
      .filter((k) => k.startsWith('topup.'));
    expect(kinds).toEqual(['topup.requested', 'topup.failed', 'topup.requested']);
    const first = (notes.body.items as { kind: string; data: unknown; notificationId: string }[]).find(
      (n) => n.kind === 'topup.requested',
    )!;
    expect(first.data).toEqual({ topUpId, credits: '155' });
    expect(first.notificationId).toMatch(/^ntf_[0-9a-f]{32}$/);
    // Paged: one at a time gives the same list.
    const paged: unknown[] = [];
    let cursor: string | null = '';
    for (let i = 0; i < 50 && cursor !== null; i += 1) {
      const res = await ledger
        .as('service')
        .get(`${base}/notifications?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      paged.push(...(res.body.items as unknown[]));
      cursor = res.body.nextCursor as string | null;
    }
    expect(paged).toEqual(notes.body.items);
  });

  it('GET notifications: roles, 404 for an unknown account, 400 naming a bad cursor or limit', async () => {
    await ledger.as('finance').get(`${base}/notifications`).expect(403);
    await ledger.as('admin').get(`${base}/notifications`).expect(403);
    await ledger.as('support').get('/v1/accounts/nobody/notifications').expect(404);
    const bad = await ledger.as('support').get(`${base}/notifications?cursor=x&limit=0`).expect(400);
    const named = (bad.body.fields as { field: string }[]).map((f) => f.field);
    expect(named).toEqual(expect.arrayContaining(['cursor', 'limit']));
  });

  it('three failures in a row turn auto top-up off; PUT again turns it on', async () => {
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-f', plan: 'plus' }).expect(201);
    const f = '/v1/accounts/acct-f';
    const first = await ledger
      .as('service')
      .put(`${f}/auto-top-up`, { ...setting, belowCredits: '10' })
      .expect(200);
    // Balance 0 < 10 already: the PUT's own append requests a top-up.
    expect(first.body.topUpRequested).toMatchObject({ credits: '200' });
    let topUpId = first.body.topUpRequested.topUpId as string;
    for (let i = 1; i <= 3; i += 1) {
      const res = await ledger
        .as('service')
        .post(`${f}/top-ups/${topUpId}/failure`, { reason: `no ${i}` })
        .expect(201);
      expect(res.body).toMatchObject({ failuresInARow: i, autoTopUpTurnedOff: i === 3 });
      if (i === 3) break;
      // A rejected usage (no credits) is a command that leaves the balance below: it asks again.
      const rejected = await ledger.as('service').post('/v1/usage', {
        usageId: `f-${i}`,
        accountId: 'acct-f',
        product: 'codex',
        operation: 'gpt-5.5:output_tokens',
        quantity: 1000,
      });
      expect(rejected.status).toBe(402);
      const tl = await ledger
        .as('support')
        .get(`${f}/timeline?limit=500&minPosition=${rejected.body.position}`)
        .expect(200);
      const asks = (tl.body.items as { type: string; data: { topUpId: string } }[]).filter(
        (x) => x.type === 'TopUpRequested',
      );
      topUpId = asks[asks.length - 1].data.topUpId;
    }
    const on = await ledger
      .as('service')
      .put(`${f}/auto-top-up`, { ...setting, belowCredits: '10' })
      .expect(200);
    expect(on.body).toMatchObject({ enabled: true, topUpRequested: { credits: '200' } });
  });

  it('finance verification replays the log: the notifications rebuilt from it equal the live ones', async () => {
    // The same setting again appends nothing and answers the stream's head: read from there on.
    const head = await ledger
      .as('service')
      .put('/v1/accounts/acct-f/auto-top-up', { ...setting, belowCredits: '10' })
      .expect(200);
    const notes = await ledger
      .as('support')
      .get(`/v1/accounts/acct-f/notifications?minPosition=${head.body.position as string}`)
      .expect(200);
    expect((notes.body.items as { kind: string }[]).map((n) => n.kind)).toEqual(
      expect.arrayContaining(['topup.requested', 'topup.failed', 'credits.depleted']),
    );
    const res = await ledger.as('finance').post('/v1/finance/verify').expect(200);
    expect(res.body).toMatchObject({ ok: true, mismatches: [] });
  });
});
