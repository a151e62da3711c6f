import fc from 'fast-check';
import type { RoleName } from '../support/http-client';
import * as bad from './bad-values';

/**
 * `refuse`: a 4xx, a JSON error with a message, and nothing appended. `no-append`: any non-5xx
 * answer, nothing appended (reads). `any`: any non-5xx answer (random bodies that might, in
 * principle, be valid).
 */
export type Expectation = 'refuse' | 'no-append' | 'any';

export interface FuzzRequest {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly role: RoleName | null;
  readonly body?: unknown;
  readonly rawBody?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  readonly expect: Expectation;
}

/** Fixtures the fuzz server is started with: an open account and one purchase on it. */
export const FUZZ_ACCOUNT = 'fz-acct';
export const FUZZ_PURCHASE = 'fz-p1';

interface Endpoint {
  readonly name: string;
  readonly method: string;
  readonly path: (accountId: string) => string;
  readonly roles: readonly RoleName[];
  /** A valid body with fresh ids: the request would succeed (and append) unchanged. */
  readonly body: (n: number) => Record<string, unknown>;
  /** Per field: values that must make the request refused. Nested fields are dotted. */
  readonly bad: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  readonly required: readonly string[];
}

const acct = (id: string) => `/v1/accounts/${encodeURIComponent(id)}`;
const usageBody = (n: number) => ({
  usageId: `fz-u-${n}`,
  accountId: FUZZ_ACCOUNT,
  product: 'codex',
  operation: 'local_message',
  quantity: 1,
});
const money = { amountMinor: 1000, currency: 'USD' };

export const ENDPOINTS: readonly Endpoint[] = [
  {
    name: 'open account',
    method: 'POST',
    path: () => '/v1/accounts',
    roles: ['service', 'admin'],
    body: (n) => ({ accountId: `fz-new-${n}`, plan: 'plus' }),
    bad: { accountId: bad.badId, plan: bad.badPlan },
    required: ['accountId', 'plan'],
  },
  {
    name: 'change plan',
    method: 'PUT',
    path: (a) => `${acct(a)}/plan`,
    roles: ['service', 'admin'],
    body: () => ({ plan: 'pro' }),
    bad: { plan: bad.badPlan },
    required: ['plan'],
  },
  {
    name: 'usage',
    method: 'POST',
    path: () => '/v1/usage',
    roles: ['service'],
    body: usageBody,
    bad: {
      usageId: bad.badId,
      accountId: bad.badId,
      product: bad.badProduct,
      operation: bad.badOperation,
      quantity: bad.badQuantity,
      surface: bad.badSurface,
      occurredAt: bad.badOccurredAt,
    },
    required: ['usageId', 'accountId', 'product', 'operation', 'quantity'],
  },
  {
    name: 'purchase',
    method: 'POST',
    path: (a) => `${acct(a)}/credits/purchases`,
    roles: ['service'],
    body: (n) => ({ purchaseId: `fz-p-${n}`, credits: '10', amountPaid: { ...money } }),
    bad: {
      purchaseId: bad.badId,
      credits: bad.badCredits,
      amountPaid: fc.oneof(
        bad.anyJson.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
        fc.constant({}),
      ),
      'amountPaid.amountMinor': bad.badAmountMinor,
      'amountPaid.currency': bad.badCurrency,
      expiresAt: bad.badPastTime,
      products: bad.badProducts,
    },
    required: ['purchaseId', 'credits', 'amountPaid'],
  },
  {
    name: 'grant',
    method: 'POST',
    path: (a) => `${acct(a)}/credits/grants`,
    roles: ['admin'],
    body: (n) => ({ grantId: `fz-g-${n}`, credits: '5', reason: 'fuzz' }),
    bad: {
      grantId: bad.badId,
      credits: bad.badCredits,
      reason: bad.badReason,
      priority: bad.badPriority,
      expiresAt: bad.badPastTime,
      products: bad.badProducts,
    },
    required: ['grantId', 'credits', 'reason'],
  },
  {
    name: 'refund',
    method: 'POST',
    path: (a) => `${acct(a)}/credits/purchases/${FUZZ_PURCHASE}/refunds`,
    roles: ['admin'],
    body: (n) => ({ refundId: `fz-r-${n}`, reason: 'fuzz' }),
    bad: { refundId: bad.badId, reason: bad.badReason },
    required: ['refundId', 'reason'],
  },
  {
    name: 'spending cap',
    method: 'PUT',
    path: (a) => `${acct(a)}/spending-cap`,
    roles: ['service', 'admin'],
    body: (n) => ({ creditsPerMonth: `${1000 + n}` }),
    bad: { creditsPerMonth: bad.badCap },
    required: ['creditsPerMonth'],
  },
  {
    name: 'reset',
    method: 'POST',
    path: () => '/v1/limits/resets',
    roles: ['admin'],
    body: (n) => ({ resetId: `fz-reset-${n}`, scope: 'account', accountId: FUZZ_ACCOUNT, reason: 'fuzz' }),
    bad: {
      resetId: bad.badId,
      scope: bad.badScope,
      accountId: bad.badId,
      reason: bad.badReason,
      product: bad.badProduct.filter((p) => p !== 'sora'),
      plan: bad.badPlan,
    },
    required: ['resetId', 'scope', 'reason'],
  },
  {
    name: 'clock',
    method: 'POST',
    path: () => '/v1/admin/clock',
    roles: ['admin'],
    body: () => ({ advanceMs: 0 }),
    bad: { advanceMs: bad.badAdvanceMs, now: bad.badNow },
    required: ['advanceMs'],
  },
];

/** A valid body with one field made bad, one required field removed, or one unknown field added. */
function mutatedBody(endpoint: Endpoint): fc.Arbitrary<{ label: string; body: unknown }> {
  const fields = Object.keys(endpoint.bad);
  return fc
    .record({
      n: fc.nat(),
      kind: fc.nat({ max: 9 }),
      field: fc.constantFrom(...fields),
      missing: fc.constantFrom(...endpoint.required),
    })
    .chain(({ n, kind, field, missing }) => {
      const body = endpoint.body(n);
      if (kind === 0) {
        const { [missing]: _gone, ...rest } = body;
        return fc.constant({ label: `${endpoint.name} without ${missing}`, body: rest });
      }
      if (kind === 1) {
        return fc
          .record({
            // Random names, and every name a plain object inherits (the whitelist missed those).
            key: fc.oneof(
              fc.string({ minLength: 1, maxLength: 12 }),
              fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype), 'prototype'),
            ),
            value: bad.anyJson,
          })
          .filter(({ key }) => !Object.hasOwn(body, key))
          .map(({ key, value }) => ({
            label: `${endpoint.name} + unknown field`,
            body: { ...body, [key]: value },
          }));
      }
      return endpoint.bad[field].map((value) => ({
        label: `${endpoint.name} bad ${field}`,
        body: withField(body, field, value),
      }));
    });
}

function withField(body: Record<string, unknown>, dotted: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = dotted.split('.');
  if (rest.length === 0) return { ...body, [head]: value };
  return { ...body, [head]: withField((body[head] ?? {}) as Record<string, unknown>, rest.join('.'), value) };
}

const endpointArb = fc.constantFrom(...ENDPOINTS);

/** A valid body sent with a bad field, missing field or unknown field, by an allowed role. */
export const badBodyRequest: fc.Arbitrary<FuzzRequest> = endpointArb.chain((endpoint) =>
  fc.tuple(mutatedBody(endpoint), fc.constantFrom(...endpoint.roles)).map(([{ label, body }, role]) => ({
    label,
    method: endpoint.method,
    path: endpoint.path(FUZZ_ACCOUNT),
    role,
    body,
    expect: 'refuse' as const,
  })),
);
