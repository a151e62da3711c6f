import { canonicalJson, commandKey, eventIdsOf, fingerprintOf } from './command-identity';

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
});
