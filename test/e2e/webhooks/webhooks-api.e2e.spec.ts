import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

/**
 * SPEC §8 webhooks over HTTP, on both engines: registration (201, secret once; replay with a chosen
 * webhookId; 409 on another payload), list without secrets, removal (204), the 400s naming fields
 * with nothing appended.
 */
describe.each(ENGINES)('webhooks API (e2e) [%s]', (engine) => {
  let ledger: TestLedger;

  beforeAll(async () => {
    ledger = await startTestLedger(
      { LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true', LEDGER_WEBHOOK_POLL_MS: '20' },
      { engine },
    );
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('registers (201, the secret once), lists without secrets, replays a chosen id, removes (204)', async () => {
    const created = await ledger
      .as('admin')
      .post('/v1/webhooks', { webhookId: 'wh-a', url: 'http://127.0.0.1:9/x', kinds: ['credits.low'] })
      .expect(201);
    expect(created.body).toMatchObject({
      webhookId: 'wh-a',
      url: 'http://127.0.0.1:9/x',
      kinds: ['credits.low'],
      secret: expect.stringMatching(/^whsec_/),
    });
    const replay = await ledger
      .as('admin')
      .post('/v1/webhooks', { webhookId: 'wh-a', url: 'http://127.0.0.1:9/x', kinds: ['credits.low'] })
      .expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(created.body);
    await ledger
      .as('admin')
      .post('/v1/webhooks', { webhookId: 'wh-a', url: 'http://127.0.0.1:9/y', kinds: ['credits.low'] })
      .expect(409);
    const list = await ledger
      .as('admin')
      .get(`/v1/webhooks?minPosition=${created.body.position}`)
      .expect(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ webhookId: 'wh-a', url: 'http://127.0.0.1:9/x', kinds: ['credits.low'] }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    await ledger.http().delete('/v1/webhooks/wh-a').set('authorization', 'Bearer adm-key-1').expect(204);
    await ledger.http().delete('/v1/webhooks/wh-a').set('authorization', 'Bearer adm-key-1').expect(204);
    await ledger.http().delete('/v1/webhooks/wh-none').set('authorization', 'Bearer adm-key-1').expect(404);
    await ledger.as('service').get('/v1/webhooks').expect(403);
  });
});
