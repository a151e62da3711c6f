import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KEYS, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

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

  it('records an actor that is not derivable from the key (no bare hash), stable across restarts', async () => {
    const opened = await ledger
      .as('service')
      .post('/v1/accounts', { accountId: 'acct-actor', plan: 'plus' })
      .expect(201);
    const page = await ledger
      .as('support')
      .get(`/v1/accounts/acct-actor/timeline?minPosition=${opened.body.position}`)
      .expect(200);
    const actor = page.body.items[0].data.actor as string;
    const bareHash = createHash('sha256').update(KEYS.service).digest('hex');
    expect(actor).toMatch(/^service:k-[0-9a-f]{16}$/);
    expect(bareHash).not.toContain(actor.slice('service:k-'.length, 'service:k-'.length + 8));
    expect(actor).not.toContain(bareHash.slice(0, 12));
    // The HMAC secret lives in the data dir, owner-only; a restart names the key the same way.
    const secret = fs.statSync(path.join(ledger.dataDir, 'api-key-id-secret'));
    expect(secret.mode & 0o077).toBe(0);
    ledger = await ledger.restart();
    const bought = await ledger
      .as('service')
      .post('/v1/accounts/acct-actor/credits/purchases', {
        purchaseId: 'p-actor',
        credits: '1',
        amountPaid: { amountMinor: 1, currency: 'USD' },
      })
      .expect(201);
    const after = await ledger
      .as('support')
      .get(`/v1/accounts/acct-actor/timeline?minPosition=${bought.body.position}`)
      .expect(200);
    expect(after.body.items.map((i: { data: { actor: string } }) => i.data.actor)).toEqual([actor, actor]);
  });

  it('records the configured key id when LEDGER_API_KEYS names one (role@keyId:key)', async () => {
    const other = await startTestLedger({
      LEDGER_API_KEYS: 'service@billing-gw-1:svc-key-x,support@support-desk:sup-key-x',
    });
    try {
      const opened = await other
        .http()
        .post('/v1/accounts')
        .set('authorization', 'Bearer svc-key-x')
        .send({ accountId: 'acct-k', plan: 'plus' })
        .expect(201);
      const page = await other
        .http()
        .get(`/v1/accounts/acct-k/timeline?minPosition=${opened.body.position}`)
        .set('authorization', 'Bearer sup-key-x')
        .expect(200);
      expect(page.body.items[0].data.actor).toBe('service:billing-gw-1');
    } finally {
      await other.close();
      removeDir(other.dataDir);
    }
  });

  it('neutralises cells a spreadsheet would evaluate in the CSV export; amounts stay numbers', async () => {
    const reasons = ['=HYPERLINK("http://x.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tx', 'plain'];
    let position = '0';
    for (const [i, reason] of reasons.entries()) {
      const res = await ledger
        .as('admin')
        .post('/v1/accounts/acct-s/credits/grants', { grantId: `-g${i}`, credits: '5', reason })
        .expect(201);
      position = res.body.position as string;
    }
    const csv = await ledger
      .as('finance')
      .get(`/v1/finance/export?format=csv&minPosition=${position}`)
      .expect(200);
    const rows = csv.text
      .trim()
      .split('\n')
      .map((line) => line.split(','));
    const header = rows[0];
    const col = (name: string) => header.indexOf(name);
    const grants = rows.filter((r) => r[col('grant_id')]?.startsWith("'-g"));
    expect(grants.length).toBeGreaterThanOrEqual(reasons.length);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://x.example""`);
    expect(csv.text).not.toMatch(/(^|,)"?[=+@\t]/m);
    expect(csv.text).toContain(",'+1+1,");
    expect(csv.text).toContain(",'-2+3,");
    expect(csv.text).toContain(",'@SUM(A1),");
    expect(csv.text).toContain(',plain,');
    // The credit side of a grant is a negative amount: still a plain number a spreadsheet can sum.
    const amounts = grants.map((r) => r[col('amount')]);
    expect(amounts).toEqual(expect.arrayContaining(['5', '-5']));
  });

  it('says nothing about a GET query and holds nothing before the key is checked (401 at once)', async () => {
    for (const query of ['minPosition=999999999', 'minPosition=99999999999999999999', 'minPosition=abc']) {
      const started = Date.now();
      const answer = await ledger.http().get(`/v1/accounts/acct-s?${query}`);
      expect({ query, status: answer.status }).toEqual({ query, status: 401 });
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    // A public route with an unreachable position is answered at once too, not after the wait.
    const started = Date.now();
    await ledger.http().get('/health?minPosition=999999999');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
