import { DeciderSpecification } from './testing/decider-specification';
import { context, T0 } from './testing/fixtures';
import { idempotencyConflictMessage, idempotencyKeys, normaliseForFingerprint } from './idempotency';
import { limitsResetsDecider, type LimitsReset, type ResetLimits } from './limits-resets/limits-resets';

describe('idempotency: one request however it is spelled (issue 14, item 17)', () => {
  it('canonicalises decimals and instants, and drops optional fields sent as null', () => {
    const spelled = normaliseForFingerprint('PurchaseCredits', {
      purchaseId: 'p1',
      credits: '10.500000',
      expiresAt: '2027-01-01T01:00:00+01:00',
      products: null,
    });
    expect(spelled).toEqual(
      normaliseForFingerprint('PurchaseCredits', {
        purchaseId: 'p1',
        credits: '10.5',
        expiresAt: '2027-01-01T00:00:00.000Z',
      }),
    );
    expect(spelled).toEqual({
      type: 'PurchaseCredits',
      purchaseId: 'p1',
      credits: '10.5',
      expiresAt: '2027-01-01T00:00:00.000Z',
    });
    expect(normaliseForFingerprint('RecordUsage', { usageId: 'u', surface: null })).toEqual({
      type: 'RecordUsage',
      usageId: 'u',
    });
  });

  it('keeps null where it means something (no cap), and values that do not parse as they were sent', () => {
    expect(normaliseForFingerprint('SetSpendingCap', { accountId: 'a', creditsPerMonth: null })).toEqual({
      type: 'SetSpendingCap',
      accountId: 'a',
      creditsPerMonth: null,
    });
    expect(normaliseForFingerprint('PurchaseCredits', { credits: '1e3', expiresAt: 'soon' })).toEqual({
      type: 'PurchaseCredits',
      credits: '1e3',
      expiresAt: 'soon',
    });
  });

  it('names the caller’s field and id in a conflict, never the internal key', () => {
    expect(idempotencyConflictMessage(idempotencyKeys.purchase('p1'))).toBe(
      'purchaseId p1 was already used with a different request',
    );
    expect(idempotencyConflictMessage(idempotencyKeys.usage('a:b'))).toBe(
      'usageId a:b was already used with a different request',
    );
  });

  it('given a reset, when the same resetId comes with another request, then a 409 naming resetId', () => {
    const command = (reason: string): ResetLimits => ({
      type: 'ResetLimits',
      data: { resetId: 'r-1', scope: 'all', reason },
      metadata: { now: T0, fingerprint: `fp:${reason}`, actor: 'admin' },
    });
    const first = limitsResetsDecider.decide(
      command('incident'),
      limitsResetsDecider.initialState(),
      context,
    );
    const given = first.kind === 'events' ? ([...first.events] as LimitsReset[]) : [];
    const then = DeciderSpecification.for(limitsResetsDecider, context).given(given).when(command('other'));
    then.thenError('conflict');
    expect(then.decision).toMatchObject({
      error: { message: 'resetId r-1 was already used with a different request' },
    });
  });
});
