import { removeDir, startTestLedger, type TestLedger, type TestRole } from '../../support/ledger-app';

interface Operation {
  parameters?: { name: string; in: string; example?: unknown; schema?: { example?: unknown } }[];
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}
type Document = {
  info: { description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Record<string, unknown>> };
};

/** Each route of API.md v1 with the error answers it can give (and which role may call it). */
const ROUTES: Record<string, { errors: number[]; role: TestRole }> = {
  'post /v1/accounts': { errors: [400, 401, 403, 409, 415, 503], role: 'service' },
  'put /v1/accounts/{accountId}/plan': { errors: [400, 401, 403, 404, 415, 503], role: 'service' },
  'get /v1/accounts/{accountId}': { errors: [400, 401, 403, 404, 503], role: 'support' },
  'get /v1/accounts/{accountId}/entitlements': { errors: [400, 401, 403, 404, 503], role: 'service' },
  'post /v1/accounts/{accountId}/credits/purchases': {
    errors: [400, 401, 403, 404, 409, 415, 503],
    role: 'service',
  },
  'post /v1/accounts/{accountId}/credits/grants': {
    errors: [400, 401, 403, 404, 409, 415, 503],
    role: 'admin',
  },
  'post /v1/accounts/{accountId}/credits/purchases/{purchaseId}/refunds': {
    errors: [400, 401, 403, 404, 409, 415, 503],
    role: 'admin',
  },
  'put /v1/accounts/{accountId}/spending-cap': { errors: [400, 401, 403, 404, 415, 503], role: 'service' },
  'get /v1/accounts/{accountId}/notifications': { errors: [400, 401, 403, 404, 503], role: 'support' },
  'put /v1/accounts/{accountId}/alerts': { errors: [400, 401, 403, 404, 415, 503], role: 'service' },
  'put /v1/accounts/{accountId}/auto-top-up': { errors: [400, 401, 403, 404, 415, 503], role: 'service' },
  'post /v1/accounts/{accountId}/top-ups/{topUpId}/failure': {
    errors: [400, 401, 403, 404, 409, 415, 503],
    role: 'service',
  },
  'post /v1/usage': { errors: [400, 401, 402, 403, 404, 409, 415, 503], role: 'service' },
  'post /v1/usage/batch': { errors: [400, 401, 403, 415], role: 'service' },
  'post /v1/holds': { errors: [400, 401, 402, 403, 404, 409, 415, 503], role: 'service' },
  'post /v1/holds/{holdId}/settlement': { errors: [400, 401, 403, 404, 409, 415, 503], role: 'service' },
  'post /v1/holds/{holdId}/release': { errors: [400, 401, 403, 404, 409, 415, 503], role: 'service' },
  'get /v1/holds/{holdId}': { errors: [400, 401, 403, 404, 409, 503], role: 'support' },
  'post /v1/usage/{usageId}/reversals': { errors: [400, 401, 403, 404, 409, 415, 503], role: 'admin' },
  'post /v1/limits/resets': { errors: [400, 401, 403, 404, 409, 415, 503], role: 'admin' },
  'post /v1/admin/clock': { errors: [400, 401, 403, 404, 415], role: 'admin' },
  'get /v1/accounts/{accountId}/timeline': { errors: [400, 401, 403, 404, 503], role: 'support' },
  'get /v1/accounts/{accountId}/journal': { errors: [400, 401, 403, 404, 503], role: 'finance' },
  'get /v1/finance/trial-balance': { errors: [400, 401, 403, 503], role: 'finance' },
  'get /v1/finance/export': { errors: [400, 401, 403, 503], role: 'finance' },
  'post /v1/finance/verify': { errors: [401, 403, 503], role: 'finance' },
  'get /v1/finance/verify/progress': { errors: [400, 401, 403, 503], role: 'finance' },
  'post /v1/organizations': { errors: [400, 401, 403, 409, 415, 503], role: 'service' },
  'put /v1/organizations/{orgId}/members/{accountId}': {
    errors: [400, 401, 403, 404, 409, 415, 503],
    role: 'service',
  },
  'delete /v1/organizations/{orgId}/members/{accountId}': {
    errors: [400, 401, 403, 404, 503],
    role: 'service',
  },
  'post /v1/organizations/{orgId}/credits/purchases': {
    errors: [400, 401, 403, 404, 409, 415, 503],
    role: 'service',
  },
  'post /v1/organizations/{orgId}/credits/grants': {
    errors: [400, 401, 403, 404, 409, 415, 503],
    role: 'admin',
  },
  'put /v1/organizations/{orgId}/spend-limits/default': {
    errors: [400, 401, 403, 404, 415, 503],
    role: 'service',
  },
  'put /v1/organizations/{orgId}/spend-limits/groups/{group}': {
    errors: [400, 401, 403, 404, 415, 503],
    role: 'service',
  },
  'put /v1/organizations/{orgId}/spend-limits/members/{accountId}': {
    errors: [400, 401, 403, 404, 415, 503],
    role: 'service',
  },
  'post /v1/organizations/{orgId}/credit-requests': {
    errors: [400, 401, 403, 404, 409, 415, 503],
    role: 'service',
  },
  'get /v1/organizations/{orgId}': { errors: [400, 401, 403, 404, 503], role: 'support' },
  'get /v1/organizations/{orgId}/journal': { errors: [400, 401, 403, 404, 503], role: 'finance' },
  'get /v1/organizations/{orgId}/timeline': { errors: [400, 401, 403, 404, 503], role: 'support' },
  'get /v1/organizations/{orgId}/notifications': { errors: [400, 401, 403, 404, 503], role: 'support' },
  'put /v1/organizations/{orgId}/alerts': { errors: [400, 401, 403, 404, 415, 503], role: 'service' },
  'put /v1/organizations/{orgId}/auto-top-up': { errors: [400, 401, 403, 404, 415, 503], role: 'service' },
  'post /v1/organizations/{orgId}/top-ups/{topUpId}/failure': {
    errors: [400, 401, 403, 404, 409, 415, 503],
    role: 'service',
  },
  'post /v1/organizations/{orgId}/credit-requests/{requestId}/decision': {
    errors: [400, 401, 403, 404, 409, 415, 503],
    role: 'admin',
  },
  'post /v1/webhooks': { errors: [400, 401, 403, 409, 415, 503], role: 'admin' },
  'get /v1/webhooks': { errors: [400, 401, 403, 503], role: 'admin' },
  'delete /v1/webhooks/{webhookId}': { errors: [400, 401, 403, 404, 503], role: 'admin' },
  'get /v1/webhooks/{webhookId}/deliveries': { errors: [400, 401, 403, 404, 503], role: 'admin' },
  'post /v1/webhooks/{webhookId}/deliveries/{deliveryId}/retry': {
    errors: [400, 401, 403, 404, 503],
    role: 'admin',
  },
};

/** Issue 15: the OpenAPI document a newcomer reads first says what each route answers, and its examples work. */
describe('OpenAPI at /docs (e2e, SQLite)', () => {
  let ledger: TestLedger;
  let doc: Document;
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        key: `${method} ${path}`,
        path,
        method,
        operation,
      })),
    );

  beforeAll(async () => {
    ledger = await startTestLedger();
    doc = (await ledger.http().get('/docs/json').expect(200)).body as Document;
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('documents every route of v1, each with a 2xx answer that has a schema and its error answers', () => {
    const v1 = operations().filter((o) => o.path.startsWith('/v1/'));
    expect(v1.map((o) => o.key).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const { key, operation } of v1) {
      const success = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
      expect({ key, success: success.length > 0 }).toEqual({ key, success: true });
      for (const [status, answer] of success) {
        const schemas = Object.values(answer.content ?? {}).map((c) => c.schema);
        // 204 No Content (DELETE /v1/webhooks/{id}) has no body to describe.
        if (status === '204') expect({ key, schemas }).toEqual({ key, schemas: [] });
        else
          expect({ key, schema: schemas.length > 0 && schemas.every(Boolean) }).toEqual({
            key,
            schema: true,
          });
      }
      const errors = Object.keys(operation.responses)
        .filter((status) => /^[45]\d\d$/.test(status))
        .map(Number)
        .sort();
      expect({ key, errors }).toEqual({ key, errors: ROUTES[key].errors });
    }
  });

  it('every route of the document, /health included, has a 2xx answer', () => {
    for (const { key, operation } of operations()) {
      const success = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
      expect({ key, success: success.length > 0 }).toEqual({ key, success: true });
    }
  });

  it('types integers as integers: no field is a bare "number"', () => {
    const numbers: string[] = [];
    const walk = (value: unknown, at: string): void => {
      if (value === null || typeof value !== 'object') return;
      const node = value as Record<string, unknown>;
      if (node.type === 'number') numbers.push(at);
      for (const [key, inner] of Object.entries(node)) walk(inner, `${at}/${key}`);
    };
    walk(doc, '#');
    expect(numbers).toEqual([]);
    const schemas = JSON.stringify(doc);
    for (const field of [
      'quantity',
      'amountMinor',
      'priority',
      'advanceMs',
      'allowanceUnits',
      'used',
      'limit',
    ])
      expect(schemas).toMatch(new RegExp(`"${field}":\\{[^{}]*"type":"integer"`));
  });

  it('describes the bearer scheme without a JWT format, and links /docs/json', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.bearer.bearerFormat).toBeUndefined();
    expect(doc.info.description).toContain('/docs/json');
  });

  it('documents minPosition on every GET', () => {
    for (const { key, method, operation } of operations()) {
      if (method !== 'get') continue;
      const names = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      expect({ key, minPosition: names.includes('minPosition') }).toEqual({ key, minPosition: true });
    }
  });

  it("each route's example body, pasted into the route, succeeds on a fresh ledger", async () => {
    const exampleOf = (operation: Operation) =>
      Object.values(operation.requestBody?.content['application/json']?.examples ?? {})[0]?.value;
    const urlOf = (path: string, operation: Operation) =>
      path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const param = (operation.parameters ?? []).find((p) => p.in === 'path' && p.name === name);
        return String(param?.example ?? param?.schema?.example);
      });
    // In the order a new user would call them: the account first, the refund after the purchase.
    const order = [
      'post /v1/accounts',
      'put /v1/accounts/{accountId}/plan',
      'post /v1/accounts/{accountId}/credits/purchases',
      'post /v1/accounts/{accountId}/credits/grants',
      'put /v1/accounts/{accountId}/spending-cap',
      'post /v1/usage',
      'post /v1/usage/batch',
      'post /v1/holds',
      'post /v1/holds/{holdId}/settlement',
      'post /v1/holds/{holdId}/release',
      'post /v1/usage/{usageId}/reversals',
      'post /v1/accounts/{accountId}/credits/purchases/{purchaseId}/refunds',
      'post /v1/limits/resets',
      'put /v1/accounts/{accountId}/alerts',
      'put /v1/accounts/{accountId}/auto-top-up',
      'post /v1/accounts/{accountId}/top-ups/{topUpId}/failure',
      'post /v1/admin/clock',
      'post /v1/organizations',
      'put /v1/organizations/{orgId}/members/{accountId}',
      'post /v1/organizations/{orgId}/credits/purchases',
      'post /v1/organizations/{orgId}/credits/grants',
      'put /v1/organizations/{orgId}/spend-limits/default',
      'put /v1/organizations/{orgId}/spend-limits/groups/{group}',
      'put /v1/organizations/{orgId}/spend-limits/members/{accountId}',
      'post /v1/organizations/{orgId}/credit-requests',
      'post /v1/organizations/{orgId}/credit-requests/{requestId}/decision',
      'put /v1/organizations/{orgId}/alerts',
      'put /v1/organizations/{orgId}/auto-top-up',
      'post /v1/organizations/{orgId}/top-ups/{topUpId}/failure',
      'post /v1/webhooks',
    ];
    // The pool's outstanding request, if the auto-top-up example asked for one at once.
    let poolTopUpId: string | null = null;
    const withBodies = operations().filter((o) => o.operation.requestBody !== undefined);
    expect(withBodies.map((o) => o.key).sort()).toEqual([...order].sort());
    for (const key of order) {
      const { path, method, operation } = withBodies.find((o) => o.key === key)!;
      const body = exampleOf(operation);
      expect({ key, example: body !== undefined }).toEqual({ key, example: true });
      const client = ledger.as(ROUTES[key].role);
      let url = urlOf(path, operation);
      // Only the outstanding top-up can fail: a setting the balance is below asks for one, named in the answer.
      if (key === 'post /v1/accounts/{accountId}/top-ups/{topUpId}/failure') {
        const setting = {
          enabled: true,
          belowCredits: '999999999',
          targetCredits: '1000000000',
          monthlyLimitCredits: '1',
        };
        const asked = await ledger
          .as('service')
          .put(url.replace(/\/top-ups\/.*$/, '/auto-top-up'), setting)
          .expect(200);
        url = url.replace(/top-ups\/[^/]+/, `top-ups/${asked.body.topUpRequested.topUpId as string}`);
      }
      // The pool's likewise: the auto-top-up example's request, or one a setting the pool is below asks for.
      if (key === 'post /v1/organizations/{orgId}/top-ups/{topUpId}/failure') {
        if (poolTopUpId === null) {
          const asked = await ledger
            .as('service')
            .put(url.replace(/\/top-ups\/.*$/, '/auto-top-up'), {
              enabled: true,
              belowCredits: '999999999',
              targetCredits: '1000000000',
              monthlyLimitCredits: '1',
            })
            .expect(200);
          poolTopUpId = asked.body.topUpRequested.topUpId as string;
        }
        url = url.replace(/top-ups\/[^/]+/, `top-ups/${poolTopUpId}`);
      }
      // A hold ends once: the release's example names a second hold, placed as the first one was.
      if (key === 'post /v1/holds/{holdId}/release') {
        const placing = withBodies.find((o) => o.key === 'post /v1/holds')!.operation;
        const hold = { ...(exampleOf(placing) as object), holdId: url.split('/')[3] };
        await ledger.as('service').post('/v1/holds', hold).expect(201);
      }
      const res = await (method === 'put' ? client.put(url, body) : client.post(url, body));
      if (key === 'put /v1/organizations/{orgId}/auto-top-up') {
        poolTopUpId =
          (res.body as { topUpRequested?: { topUpId: string } | null }).topUpRequested?.topUpId ?? null;
      }
      expect({ key, status: res.status, body: res.status < 300 ? null : (res.body as unknown) }).toEqual({
        key,
        status: expect.any(Number) as number,
        body: null,
      });
      expect(res.status).toBeGreaterThanOrEqual(200);
    }
    for (const { key, path, operation } of operations().filter(
      (o) => o.method === 'get' && o.path.startsWith('/v1/'),
    )) {
      const query = (operation.parameters ?? [])
        .filter((p) => p.in === 'query' && p.name !== 'minPosition')
        .map((p) => `${p.name}=${String(p.example ?? p.schema?.example)}`)
        .join('&');
      const res = await ledger
        .as(ROUTES[key].role)
        .get(`${urlOf(path, operation)}${query ? `?${query}` : ''}`);
      expect({ key, status: res.status }).toEqual({ key, status: 200 });
    }
  });
});
