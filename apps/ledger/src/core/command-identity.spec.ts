import { hash } from 'node:crypto';
import fc from 'fast-check';
import { v5 as uuidPackageV5 } from 'uuid';
import { propertyOptions } from '@ledger/domain/testing/fixtures';
import { canonicalJson, commandKey, eventIdsOf, fingerprintOf, uuidBytes, uuidV5 } from './command-identity';

/** eventIdsOf and canonicalJson as they were first written (with the uuid package): the reference. */
const NAMESPACE_V2 = '8d2c1f4e-6b3a-5e9d-a7c2-41f0e3b9d615';
function referenceEventIdsOf({ stream, key, events }: Parameters<typeof eventIdsOf>[0]): string[] {
  const content = hash('sha256', JSON.stringify(events.map((e) => [e.type, e.data])), 'base64url');
  return events.map((_, index) => uuidPackageV5(JSON.stringify([stream, key, content, index]), NAMESPACE_V2));
}
function referenceCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : referenceCanonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${referenceCanonicalJson(v)}`).join(',')}}`;
}

/** Any text a name can hold, astral planes included (lone surrogates aside: JSON.stringify escapes them). */
const arbText = fc.string({ unit: 'grapheme', maxLength: 40 });
const arbJson = fc.jsonValue({ maxDepth: 3 });

describe('command identity', () => {
  it('gives the same fingerprint whatever the key order, and another for any other payload', () => {
    const a = fingerprintOf({ usageId: 'u-1', quantity: 3, product: 'codex', surface: undefined });
    expect(fingerprintOf({ product: 'codex', quantity: 3, usageId: 'u-1' })).toBe(a);
    expect(fingerprintOf({ product: 'codex', quantity: 4, usageId: 'u-1' })).not.toBe(a);
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });

  const used = (units: number, recordedAt = '2026-11-02T09:00:00.000Z') => ({
    type: 'UsageRecorded',
    data: { usageId: 'u-1', units, recordedAt },
  });
  const ids = (events: { type: string; data: unknown }[], key = commandKey('RecordUsage', 'a', 'u-1')) =>
    eventIdsOf({ stream: 'account-a', key, events });

  it('derives the same ids for the same decision (a retried append dedupes), one per event', () => {
    expect(ids([used(3)])).toEqual(ids([used(3)]));
    const [first, second] = ids([used(3), used(4)]);
    expect(first).not.toBe(second);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('derives other ids for another decision under the same key: other content, other time, other stream', () => {
    const [original] = ids([used(3)]);
    expect(ids([used(4)])[0]).not.toBe(original);
    expect(ids([used(3, '2026-11-02T09:00:00.001Z')])[0]).not.toBe(original);
    expect(
      eventIdsOf({ stream: 'account-b', key: commandKey('RecordUsage', 'a', 'u-1'), events: [used(3)] })[0],
    ).not.toBe(original);
    // The first event's id depends on the whole decision, not only on the first event.
    expect(ids([used(3), used(4)])[0]).not.toBe(original);
  });

  it('encodes the parts of a key without ambiguity: acme:prod + u1 is not acme + prod:u1', () => {
    expect(commandKey('PurchaseCredits', 'acme:prod', 'u1')).not.toBe(
      commandKey('PurchaseCredits', 'acme', 'prod:u1'),
    );
    expect(commandKey('ChangePlan', 'a', '@', '1')).not.toBe(commandKey('ChangePlan', 'a@1'));
  });

  it('derives the ids it always has (pinned: old logs and retries across an upgrade dedupe on them)', () => {
    const events = [
      { type: 'UsageRecorded', data: { usageId: 'u-1', units: 3, note: 'é🙂' } },
      { type: 'CreditsExpired', data: { grantId: 'g' } },
    ];
    expect(
      eventIdsOf({ stream: 'account-acme', key: commandKey('RecordUsage', 'acme', 'u-1'), events }),
    ).toEqual(['62fd8e41-140a-5193-9fe6-75df8bc4a475', 'e33abb7b-b20b-522a-ac8e-71242d73cc7b']);
  });

  it('computes the v5 of the uuid package for any name and namespace', () => {
    fc.assert(
      fc.property(arbText, fc.uuid(), (name, namespace) => {
        expect(uuidV5(name, uuidBytes(namespace))).toBe(uuidPackageV5(name, namespace));
      }),
      propertyOptions(2_000),
    );
  });

  it('derives the ids the uuid package derived, for any stream, key and events', () => {
    const arbEvents = fc.array(fc.record({ type: arbText, data: arbJson }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(arbText, arbText, arbEvents, (stream, key, events) => {
        expect(eventIdsOf({ stream, key, events })).toEqual(referenceEventIdsOf({ stream, key, events }));
      }),
      propertyOptions(500),
    );
  });

  it('writes the canonical JSON it always has, for any value (holes, undefined and odd keys included)', () => {
    const arbValue = fc.anything({
      maxDepth: 3,
      withSparseArray: true,
      withNullPrototype: true,
      withBoxedValues: false,
      withBigInt: false,
      key: fc.string({ unit: 'grapheme', maxLength: 6 }),
    });
    fc.assert(
      fc.property(arbValue, (value) => {
        expect(canonicalJson(value)).toBe(referenceCanonicalJson(value));
      }),
      propertyOptions(2_000),
    );
  });
});
