import fc from 'fast-check';
import type { RoleName } from '../support/http-client';
import { anyJson, badLimit, badPosition, colonId, extremeTime } from './bad-values';
import { ENDPOINTS, FUZZ_ACCOUNT, type FuzzRequest } from './fuzz-requests';

const ALL_ROLES: readonly RoleName[] = ['service', 'admin', 'finance', 'support'];
const endpointArb = fc.constantFrom(...ENDPOINTS);

/** The read side of API.md with random query strings (some routes may not exist yet: then 404). */
export const readRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.constantFrom('', '/entitlements', '/timeline', '/journal'),
    fc.constantFrom(...ALL_ROLES),
    fc.dictionary(
      fc.constantFrom(
        'product',
        'operation',
        'quantity',
        'asOf',
        'cursor',
        'limit',
        'from',
        'to',
        'format',
        'x',
      ),
      fc.oneof(
        fc.string({ maxLength: 12 }),
        fc.integer().map(String),
        fc.constantFrom('codex', 'local_message', '-1', '1e309', '2026-11-01T00:00:00Z'),
        badPosition,
        badLimit,
        extremeTime,
      ),
      { maxKeys: 4 },
    ),
    fc.oneof(fc.constantFrom(FUZZ_ACCOUNT, 'nobody', 'ü'), colonId),
    // Reached or malformed positions only: a position past the head is a 503 after a 5 s wait (API.md).
    fc.constantFrom(
      {},
      { minPosition: '0' },
      { minPosition: '1' },
      { minPosition: '-1' },
      { minPosition: 'abc' },
      { minPosition: '1e3' },
      { minPosition: '1.5' },
      { minPosition: '99999999999999999999' },
      { minPosition: '9223372036854775808' },
    ),
  )
  .map(([sub, role, randomQuery, account, position]) => ({
    sub,
    role,
    query: { ...randomQuery, ...position },
    account,
  }))
  .map(({ sub, role, query, account }) => ({
    label: `GET account${sub}`,
    method: 'GET',
    path: `/v1/accounts/${encodeURIComponent(account)}${sub}?${new URLSearchParams(query as Record<string, string>).toString()}`,
    role,
    expect: 'no-append' as const,
  }));

export const financeRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.constantFrom('GET /v1/finance/trial-balance', 'GET /v1/finance/export', 'POST /v1/finance/verify'),
    fc.constantFrom(...ALL_ROLES),
    fc.constantFrom(
      '',
      '?format=xml',
      '?format=csv&from=yesterday',
      '?minPosition=99999999999999999999',
      '?minPosition=9223372036854775808',
      '?to=-1',
      '?format=csv&from=9999-12-31T23:59:59-01:00',
      '?to=%2B010000-01-01T00:00:00Z',
      '?from=1969-12-31T23:59:59Z',
    ),
  )
  .map(([route, role, query]) => {
    const [method, path] = route.split(' ');
    return {
      label: route,
      method,
      path: `${path}${query}`,
      role,
      body: method === 'POST' ? {} : undefined,
      expect: 'no-append' as const,
    };
  });

const FIELD_NAMES = [...new Set(ENDPOINTS.flatMap((e) => Object.keys(e.body(0))))];

/** Random objects over the contract's field names: almost always refused, but nothing forbids luck. */
export const randomBodyRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    endpointArb,
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 8 })), anyJson, {
      maxKeys: 6,
    }),
  )
  .map(([endpoint, body]) => ({
    label: `${endpoint.name}: random object`,
    method: endpoint.method,
    path: endpoint.path(FUZZ_ACCOUNT),
    role: endpoint.roles[0],
    body,
    expect: 'any' as const,
  }));

/** Valid requests at the contract's bounds (largest quantity and amount, smallest amount, 128-char ids). */
export const boundaryRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.nat(),
    fc.constantFrom('local_message', 'cloud_task', 'gpt-5.5:output_tokens', 'gpt-5.5:cached_input_tokens'),
    fc.constantFrom(1, 1_000_000_000),
    fc.constantFrom('1000000000', '0.000001', '999999999.999999'),
    fc.constantFrom(0, 1000),
  )
  .chain(([n, operation, quantity, credits, priority]) => {
    const id = `${n}-`.padEnd(128, 'z');
    // Ids holding ':' are valid (API.md); combined into streams and keys they must stay unambiguous.
    const colonAccount = `fz:${n}`;
    const colonUsage = `${FUZZ_ACCOUNT}:${n}`;
    return fc.constantFrom<FuzzRequest>(
      {
        label: 'usage at bounds',
        method: 'POST',
        path: '/v1/usage',
        role: 'service',
        expect: 'any',
        body: {
          usageId: id,
          accountId: FUZZ_ACCOUNT,
          product: 'codex',
          operation,
          quantity,
          surface: 's'.repeat(64),
        },
      },
      {
        label: 'purchase at bounds',
        method: 'POST',
        path: `/v1/accounts/${FUZZ_ACCOUNT}/credits/purchases`,
        role: 'service',
        expect: 'any',
        body: {
          purchaseId: id,
          credits,
          amountPaid: { amountMinor: Number.MAX_SAFE_INTEGER, currency: 'USD' },
          expiresAt: '9999-12-31T23:59:59.999Z',
        },
      },
      {
        label: 'grant at bounds',
        method: 'POST',
        path: `/v1/accounts/${FUZZ_ACCOUNT}/credits/grants`,
        role: 'admin',
        expect: 'any',
        body: {
          grantId: id,
          credits,
          reason: 'r'.repeat(500),
          priority,
          products: ['codex', 'chatgpt_excel'],
        },
      },
      {
        label: 'open account with a colon id',
        method: 'POST',
        path: '/v1/accounts',
        role: 'service',
        expect: 'any',
        body: { accountId: colonAccount, plan: 'plus' },
      },
      {
        label: 'usage with a colon id',
        method: 'POST',
        path: '/v1/usage',
        role: 'service',
        expect: 'any',
        body: { usageId: colonUsage, accountId: FUZZ_ACCOUNT, product: 'codex', operation, quantity: 1 },
      },
      {
        label: 'open account at bounds',
        method: 'POST',
        path: '/v1/accounts',
        role: 'service',
        expect: 'any',
        body: { accountId: id, plan: 'enterprise' },
      },
    );
  });
