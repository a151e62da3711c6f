import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

/** SPEC §10: the forbidden-field guard works on the parsed keys, however the JSON text spells them. */
describe('request hardening (e2e)', () => {
  let ledger: TestLedger;
  const head = async () => (await ledger.http().get('/health').expect(200)).body.position as string;

  beforeAll(async () => {
    ledger = await startTestLedger();
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-s', plan: 'plus' }).expect(201);
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  const postRaw = (url: string, text: string, role: 'service' | 'admin' = 'service') =>
    ledger
      .http()
      .post(url)
      .set('authorization', `Bearer ${role === 'service' ? 'svc-key-1' : 'adm-key-1'}`)
      .set('content-type', 'application/json')
      .send(text);

  const usage = (id: string, extra: string) =>
    `{"usageId":"${id}","accountId":"acct-s","product":"codex","operation":"local_message","quantity":1${extra}}`;

  it.each([
    ['an escaped __proto__', ',"\\u005f_proto__":{"polluted":true}', '__proto__'],
    ['a fully escaped __proto__', ',"\\u005f\\u005f\\u0070roto\\u005f\\u005f":{}', '__proto__'],
    ['an escaped toString', ',"\\u0074oString":"x"', 'toString'],
    ['an escaped constructor', ',"\\u0063onstructor":{"prototype":{}}', 'constructor'],
    ['an escaped hasOwnProperty', ',"hasOwn\\u0050roperty":1', 'hasOwnProperty'],
    ['an escaped key nested in metadata', ',"metadata":{"a":[{"\\u005f_proto__":1}]}', '__proto__'],
  ])('refuses a body with %s with 400, appending nothing', async (_name, extra, key) => {
    const before = await head();
    const res = await postRaw('/v1/usage', usage('u-esc', extra));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(key);
    expect(await head()).toBe(before);
  });

  it('refuses escaped forbidden keys inside a batch record and on other routes', async () => {
    const batch = await postRaw('/v1/usage/batch', `{"records":[${usage('u-b1', ',"\\u0074oString":1')}]}`);
    expect(batch.status).toBe(400);
    const purchase = await postRaw(
      '/v1/accounts/acct-s/credits/purchases',
      '{"purchaseId":"p-esc","credits":"1","amountPaid":{"amountMinor":1,"currency":"USD","\\u005f_proto__":{}}}',
    );
    expect(purchase.status).toBe(400);
    const clock = await postRaw('/v1/admin/clock', '{"advanceMs":1,"\\u0076alueOf":1}', 'admin');
    expect(clock.status).toBe(400);
  });

  it('still accepts escapes in ordinary keys and values', async () => {
    const res = await postRaw(
      '/v1/usage',
      '{"\\u0075sageId":"u-ok","accountId":"acct-s","product":"codex","operation":"local\\u005fmessage","quantity":1}',
    );
    expect(res.status).toBe(201);
  });
});
