import fc from 'fast-check';
import { RELIABILITY_KEYS, type RoleName } from '../support/http-client';
import { anyJson, badId, badQuantity, escapedForbiddenKey } from './bad-values';
import { ENDPOINTS, FUZZ_ACCOUNT, type FuzzRequest } from './fuzz-requests';

/** Just over the 2 MiB body limit of create-app.ts. */
const OVERSIZED = 2 * 1024 * 1024 + 1;
const ALL_ROLES: readonly RoleName[] = ['service', 'admin', 'finance', 'support'];

const endpointArb = fc.constantFrom(...ENDPOINTS);

/** Missing, unknown, malformed keys, and keys of a role the endpoint does not allow. */
export const badAuthRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(endpointArb, fc.nat(), fc.nat({ max: 5 }), fc.string({ unit: 'grapheme-ascii', maxLength: 30 }))
  .map(([endpoint, n, kind, noise]) => {
    const wrongRoles = ALL_ROLES.filter((r) => !endpoint.roles.includes(r));
    const headers: Record<string, string> =
      kind === 0
        ? {}
        : kind === 1
          ? { authorization: `Bearer ${noise}x` }
          : kind === 2
            ? { authorization: `Basic ${Buffer.from(`u:${RELIABILITY_KEYS.admin}`).toString('base64')}` }
            : kind === 3
              ? { authorization: `Bearer ${RELIABILITY_KEYS.admin} ${RELIABILITY_KEYS.service}` }
              : kind === 4 && wrongRoles.length > 0
                ? { authorization: `Bearer ${RELIABILITY_KEYS[wrongRoles[n % wrongRoles.length]]}` }
                : { authorization: RELIABILITY_KEYS.service };
    return {
      label: `${endpoint.name} bad auth ${kind}`,
      method: endpoint.method,
      path: endpoint.path(FUZZ_ACCOUNT),
      role: null,
      headers,
      body: endpoint.body(n),
      expect: 'refuse' as const,
    };
  });

/** Methods no route has at that path. */
export const wrongMethodRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(endpointArb, fc.constantFrom('DELETE', 'PATCH', 'GET', 'PUT', 'POST'), fc.nat())
  .filter(([endpoint, method]) => method !== endpoint.method)
  .map(([endpoint, method, n]) => ({
    label: `${method} on ${endpoint.name}`,
    method,
    path: endpoint.path(FUZZ_ACCOUNT),
    role: endpoint.roles[0],
    body: method === 'GET' ? undefined : endpoint.body(n),
    expect: 'refuse' as const,
  }));

/** Bytes that are not the JSON object the route wants: syntax errors, wrong media types, bad UTF-8, huge or deep bodies. */
export const badRawRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(endpointArb, fc.nat(), fc.nat({ max: 15 }), fc.integer({ min: 1, max: 60 }), escapedForbiddenKey)
  .map(([endpoint, n, kind, cut, escapedKey]) => {
    const valid = JSON.stringify(endpoint.body(n));
    const base = {
      method: endpoint.method,
      path: endpoint.path(FUZZ_ACCOUNT),
      role: endpoint.roles[0],
      expect: 'refuse' as const,
    };
    const raw = (label: string, rawBody: string | Buffer, headers?: Record<string, string>): FuzzRequest => ({
      ...base,
      label: `${endpoint.name}: ${label}`,
      rawBody,
      headers,
    });
    switch (kind) {
      case 0:
        return raw('truncated JSON', valid.slice(0, Math.max(1, valid.length - cut)));
      case 1:
        return raw('trailing comma', valid.replace(/}$/, ',}'));
      case 2:
        return raw('single quotes', valid.replace(/"/g, "'"));
      case 3:
        return raw('text/plain', valid, { 'content-type': 'text/plain' });
      case 4:
        return raw('form encoded', 'a=1&b=2', { 'content-type': 'application/x-www-form-urlencoded' });
      // Outside a string: inside one, Node decodes bad bytes to U+FFFD and the body is valid JSON.
      case 5:
        return raw(
          'invalid UTF-8',
          Buffer.concat([Buffer.from('{'), Buffer.from([0xff, 0xfe]), Buffer.from(valid.slice(1))]),
        );
      case 6:
        return raw('empty body', '');
      case 7:
        return raw('oversized', `{"usageId":"${'a'.repeat(OVERSIZED)}"}`);
      // 17 to 65,600 levels: shallow ones reach validation, deep ones the parser's depth limit.
      case 8:
        return raw(
          'deeply nested',
          `{"deep":${'['.repeat(16 ** (1 + (cut % 4)) + cut)}${']'.repeat(16 ** (1 + (cut % 4)) + cut)}}`,
        );
      case 9:
        return raw(
          'deep objects',
          `${'{"a":'.repeat(16 ** (1 + (cut % 4)) + cut)}1${'}'.repeat(16 ** (1 + (cut % 4)) + cut)}`,
        );
      case 10:
        return raw('comment', `/* c */${valid}`);
      case 11:
        return raw('NaN literal', valid.replace(/}$/, ',"x":NaN}'));
      case 12:
        return raw('__proto__', valid.replace(/^{/, '{"__proto__":{"isAdmin":true},'));
      // The same names spelled with JSON escapes: the guard works on parsed keys (SPEC §10).
      case 13:
        return raw(`escaped key ${escapedKey}`, valid.replace(/^{/, `{${escapedKey}:{"isAdmin":true},`));
      case 14:
        return raw(
          `nested escaped key ${escapedKey}`,
          valid.replace(/^{/, `{"metadata":{"a":[{${escapedKey}:1}]},`),
        );
      default:
        return raw('constructor', valid.replace(/^{/, '{"constructor":{"prototype":{"x":1}},'));
    }
  });

/** Whole bodies of the wrong shape: arrays, strings, numbers, null, random objects. */
export const wrongShapeRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    endpointArb,
    anyJson.filter(
      (v) => typeof v !== 'object' || v === null || Array.isArray(v) || Object.keys(v).length === 0,
    ),
  )
  .map(([endpoint, body]) => ({
    label: `${endpoint.name}: body ${JSON.stringify(body).slice(0, 20)}`,
    method: endpoint.method,
    path: endpoint.path(FUZZ_ACCOUNT),
    role: endpoint.roles[0],
    rawBody: JSON.stringify(body),
    expect: 'refuse' as const,
  }));

/** Bad account ids in the path (unicode, too long, slashes, dots) with otherwise valid bodies. */
export const badPathRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.constantFrom(...ENDPOINTS.filter((e) => e.path('X').includes('X'))),
    badId.filter((v) => typeof v === 'string'),
    fc.nat(),
  )
  .map(([endpoint, id, n]) => ({
    label: `${endpoint.name}: path id`,
    method: endpoint.method,
    path: endpoint.path(id as string),
    role: endpoint.roles[0],
    body: endpoint.body(n),
    expect: 'refuse' as const,
  }));

/** Batches that must append nothing: empty, too many, non-objects, every record bad. */
export const badBatchRequest: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.nat({ max: 4 }),
    fc.array(anyJson, { minLength: 1, maxLength: 5 }),
    fc.array(badQuantity, { minLength: 1, maxLength: 5 }),
    fc.nat(),
  )
  .map(([kind, junk, quantities, n]) => {
    const records =
      kind === 0
        ? []
        : kind === 1
          ? Array.from({ length: 1001 }, (_, i) => ({ usageId: `fz-b-${n}-${i}` }))
          : kind === 2
            ? junk
            : kind === 3
              ? 'records'
              : quantities.map((value, i) => ({
                  usageId: `fz-b-${n}-${i}`,
                  accountId: FUZZ_ACCOUNT,
                  product: 'codex',
                  operation: 'local_message',
                  quantity: value,
                }));
    return {
      label: `batch kind ${kind}`,
      method: 'POST',
      path: '/v1/usage/batch',
      role: 'service' as const,
      body: { records },
      expect: kind === 4 ? ('no-append' as const) : ('refuse' as const),
    };
  });
