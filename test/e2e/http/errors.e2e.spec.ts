import { KEYS, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

interface FieldError {
  field: string;
  message: string;
}

/** Issue 15, "the first hour of a new user": 400s that say what to fix, and nothing else. */
describe('error answers (e2e, SQLite)', () => {
  let ledger: TestLedger;
  const fieldsOf = (body: { fields?: FieldError[] }) => body.fields ?? [];
  const messagesFor = (body: { fields?: FieldError[] }, field: string) =>
    fieldsOf(body)
      .filter((f) => f.field === field)
      .map((f) => f.message);

  beforeAll(async () => {
    ledger = await startTestLedger();
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-1', plan: 'plus' }).expect(201);
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  describe('400: only the rules that failed', () => {
    it('a missing field is "is required", and no other rule of that field', async () => {
      const res = await ledger.as('service').post('/v1/accounts', { accountId: 'acct-2' }).expect(400);
      expect(messagesFor(res.body, 'plan')).toEqual(['plan is required']);
      expect(res.body.message).toBe('plan is required');
      expect(fieldsOf(res.body).map((f) => f.field)).toEqual(['plan']);
    });

    it('a missing nested object is "is required"; a missing nested field names its path', async () => {
      const missing = await ledger
        .as('service')
        .post('/v1/accounts/acct-1/credits/purchases', { purchaseId: 'p-x', credits: '10' })
        .expect(400);
      expect(fieldsOf(missing.body)).toEqual([{ field: 'amountPaid', message: 'amountPaid is required' }]);
      const nested = await ledger
        .as('service')
        .post('/v1/accounts/acct-1/credits/purchases', {
          purchaseId: 'p-x',
          credits: '10',
          amountPaid: { amountMinor: 1000 },
        })
        .expect(400);
      expect(fieldsOf(nested.body)).toEqual([
        { field: 'amountPaid.currency', message: 'amountPaid.currency is required' },
      ]);
    });

    it('a value of the wrong type is told its type only; a value of the right type each rule it breaks', async () => {
      const res = await ledger
        .as('service')
        .post('/v1/usage', {
          usageId: 'u-1',
          accountId: 'acct-1',
          product: 'codex',
          operation: 'local_message',
          quantity: '5',
        })
        .expect(400);
      expect(messagesFor(res.body, 'quantity')).toEqual(['quantity must be an integer number']);
      const zero = await ledger
        .as('service')
        .post('/v1/usage', {
          usageId: 'u-1',
          accountId: 'acct-1',
          product: 'codex',
          operation: 'local_message',
          quantity: 0,
        })
        .expect(400);
      expect(messagesFor(zero.body, 'quantity')).toEqual(['quantity must not be less than 1']);
      const plan = await ledger
        .as('service')
        .post('/v1/accounts', { accountId: 'acct-2', plan: 7 })
        .expect(400);
      expect(messagesFor(plan.body, 'plan')).toEqual(['plan must be a string']);
    });

    it('every bad field is named in one answer, and `message` holds each sentence', async () => {
      const res = await ledger
        .as('service')
        .post('/v1/accounts', { accountId: 'bad id!', extra: true })
        .expect(400);
      expect(fieldsOf(res.body)).toEqual(
        expect.arrayContaining([
          { field: 'accountId', message: 'accountId must be 1–128 characters of A-Z a-z 0-9 . _ : -' },
          { field: 'plan', message: 'plan is required' },
          { field: 'extra', message: expect.stringMatching(/^extra /) as string },
        ]),
      );
      expect(fieldsOf(res.body)).toHaveLength(3);
      for (const f of fieldsOf(res.body)) expect(res.body.message).toContain(f.message);
    });
  });

  describe('400: enums list their choices, from the loaded rate card', () => {
    it('an unknown plan lists the plans of the rate card', async () => {
      const open = await ledger
        .as('service')
        .post('/v1/accounts', { accountId: 'acct-2', plan: 'platinum' })
        .expect(400);
      expect(open.body.message).toBe('plan must be one of: free, plus, pro, business, enterprise, edu');
      const change = await ledger.as('service').put('/v1/accounts/acct-1/plan', { plan: 'gold' }).expect(400);
      expect(messagesFor(change.body, 'plan')).toEqual([
        'plan must be one of: free, plus, pro, business, enterprise, edu',
      ]);
    });

    it('an unknown product lists the products on sale; an unknown operation those of its product', async () => {
      const usage = (product: string, operation: string) =>
        ledger
          .as('service')
          .post('/v1/usage', { usageId: 'u-2', accountId: 'acct-1', product, operation, quantity: 1 })
          .expect(400);
      const product = await usage('codexx', 'local_message');
      expect(fieldsOf(product.body)).toEqual([
        { field: 'product', message: 'product must be one of: codex, chatgpt_excel' },
      ]);
      const operation = await usage('codex', 'local_mesage');
      expect(messagesFor(operation.body, 'operation')).toEqual([
        'operation must be one of for product "codex": local_message, cloud_task, code_review, ' +
          'gpt-5.5:input_tokens, gpt-5.5:cached_input_tokens, gpt-5.5:output_tokens',
      ]);
      const entitlement = await ledger
        .as('service')
        .get('/v1/accounts/acct-1/entitlements?product=sor&operation=x&quantity=1')
        .expect(400);
      expect(messagesFor(entitlement.body, 'product')).toEqual([
        'product must be one of: codex, chatgpt_excel',
      ]);
    });

    it('the same in a batch item, and in products of a grant and scope of a reset', async () => {
      const batch = await ledger
        .as('service')
        .post('/v1/usage/batch', {
          records: [
            { usageId: 'u-3', accountId: 'acct-1', product: 'codex', operation: 'nope', quantity: 1 },
          ],
        })
        .expect(200);
      const item = batch.body.results[0] as { status: number; error: { message: string } };
      expect(item.status).toBe(400);
      expect(item.error.message).toMatch(/^operation must be one of for product "codex": local_message, /);
      const grant = await ledger
        .as('admin')
        .post('/v1/accounts/acct-1/credits/grants', {
          grantId: 'g-x',
          credits: '5',
          reason: 'test',
          products: ['codex', 'dall-e'],
        })
        .expect(400);
      expect(fieldsOf(grant.body)).toEqual([
        { field: 'products.1', message: 'products.1 must be one of: codex, chatgpt_excel' },
      ]);
      const reset = await ledger
        .as('admin')
        .post('/v1/limits/resets', { resetId: 'r-x', scope: 'everyone', reason: 'test' })
        .expect(400);
      expect(fieldsOf(reset.body)).toEqual([
        { field: 'scope', message: 'scope must be one of: all, plan, account' },
      ]);
      const resetPlan = await ledger
        .as('admin')
        .post('/v1/limits/resets', { resetId: 'r-x', scope: 'plan', reason: 'test' })
        .expect(400);
      expect(fieldsOf(resetPlan.body)).toEqual([{ field: 'plan', message: 'plan is required' }]);
    });
  });

  describe('401 before 415, and a 415 that names application/json', () => {
    const usageText =
      '{"usageId":"u-t","accountId":"acct-1","product":"codex","operation":"local_message","quantity":1}';

    it('no key and a wrong content type: 401', async () => {
      const res = await ledger
        .http()
        .post('/v1/usage')
        .set('content-type', 'text/plain')
        .send(usageText)
        .expect(401);
      expect(res.body.message).toMatch(/API key/);
      // Media types Fastify has no parser for were refused (415) before the key was looked at.
      for (const type of [
        'application/x-www-form-urlencoded',
        'application/xml',
        'multipart/form-data; boundary=x',
      ])
        await ledger
          .http()
          .post('/v1/accounts')
          .set('content-type', type)
          .send('accountId=a&plan=plus')
          .expect(401);
    });

    it('a role that is not allowed and a wrong content type: 403', async () => {
      await ledger
        .http()
        .post('/v1/usage')
        .set('authorization', `Bearer ${KEYS.support}`)
        .set('content-type', 'text/plain')
        .send(usageText)
        .expect(403);
    });

    it('a good key and text/plain: 415 naming application/json, and nothing recorded', async () => {
      const res = await ledger
        .http()
        .post('/v1/usage')
        .set('authorization', `Bearer ${KEYS.service}`)
        .set('content-type', 'text/plain')
        .send(usageText)
        .expect(415);
      expect(res.body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
      expect(res.body.message).toContain('application/json');
      expect(res.body.message).toContain('text/plain');
      const form = await ledger
        .http()
        .post('/v1/accounts')
        .set('authorization', `Bearer ${KEYS.service}`)
        .set('content-type', 'application/x-www-form-urlencoded')
        .send('accountId=acct-f&plan=plus')
        .expect(415);
      expect(form.body.message).toContain('application/json');
      await ledger.as('support').get('/v1/accounts/acct-f').expect(404);
    });
  });

  describe('times: one rule everywhere, an ISO-8601 instant with a zone (SPEC §10)', () => {
    it('a date alone in a body is refused, naming the field and the rule', async () => {
      const res = await ledger
        .as('service')
        .post('/v1/accounts/acct-1/credits/purchases', {
          purchaseId: 'p-date',
          credits: '10',
          amountPaid: { amountMinor: 1000, currency: 'USD' },
          expiresAt: '2027-01-01',
        })
        .expect(400);
      expect(fieldsOf(res.body)).toEqual([
        {
          field: 'expiresAt',
          message:
            'expiresAt must be an ISO-8601 instant with a zone, e.g. 2027-01-01T00:00:00Z: a date alone is not an instant',
        },
      ]);
      await ledger
        .as('service')
        .post('/v1/accounts/acct-1/credits/purchases', {
          purchaseId: 'p-date',
          credits: '10',
          amountPaid: { amountMinor: 1000, currency: 'USD' },
          expiresAt: '2027-01-01T00:00:00Z',
        })
        .expect(201);
    });

    it('the same in query strings, and out-of-range instants name the range', async () => {
      const asOf = await ledger.as('support').get('/v1/accounts/acct-1/timeline?asOf=2026-11-02').expect(400);
      expect(messagesFor(asOf.body, 'asOf')).toEqual([
        'asOf must be an ISO-8601 instant with a zone, e.g. 2026-11-02T00:00:00Z: a date alone is not an instant',
      ]);
      const range = await ledger
        .as('finance')
        .get('/v1/finance/export?from=9999-12-31T23:59:59-01:00')
        .expect(400);
      expect(messagesFor(range.body, 'from')).toEqual([
        'from must lie within 1970-01-01T00:00:00Z..9999-12-31T23:59:59.999Z (UTC)',
      ]);
    });
  });

  describe('a time range with to before from is refused, never an empty 200', () => {
    it('GET /v1/finance/export?from>to: 400 naming to', async () => {
      const res = await ledger
        .as('finance')
        .get('/v1/finance/export?from=2026-11-05T00:00:00Z&to=2026-11-04T00:00:00Z')
        .expect(400);
      expect(fieldsOf(res.body)).toEqual([{ field: 'to', message: 'to must be after from' }]);
      await ledger
        .as('finance')
        .get('/v1/finance/export?from=2026-11-04T00:00:00Z&to=2026-11-04T00:00:00Z')
        .expect(400);
      await ledger
        .as('finance')
        .get('/v1/finance/export?from=2026-11-01T00:00:00Z&to=2026-11-05T00:00:00Z')
        .expect(200);
    });

    it("GET an account's journal with from>to: 400 naming to", async () => {
      const res = await ledger
        .as('finance')
        .get('/v1/accounts/acct-1/journal?from=2026-11-05T00:00:00Z&to=2026-11-04T00:00:00Z')
        .expect(400);
      expect(res.body.message).toBe('to must be after from');
    });
  });
});
