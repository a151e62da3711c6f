import { canonicalJson, eventId, fingerprintOf } from './command-identity';

describe('command identity', () => {
  it('gives the same fingerprint whatever the key order, and another for any other payload', () => {
    const a = fingerprintOf({ usageId: 'u-1', quantity: 3, product: 'codex', surface: undefined });
    expect(fingerprintOf({ product: 'codex', quantity: 3, usageId: 'u-1' })).toBe(a);
    expect(fingerprintOf({ product: 'codex', quantity: 4, usageId: 'u-1' })).not.toBe(a);
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });

  it('derives event ids deterministically from the idempotency key and the index', () => {
    expect(eventId('usage:u-1', 0)).toBe(eventId('usage:u-1', 0));
    expect(eventId('usage:u-1', 0)).not.toBe(eventId('usage:u-1', 1));
    expect(eventId('usage:u-1', 0)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
