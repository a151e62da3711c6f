import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { webhookSignature } from '../webhook-signature';
import { verifyLedgerSignature } from './verify-ledger-signature';

/** The receiver's check against the ledger's own signer (webhook-signature.ts): both sides of API.md's header. */
describe('verifyLedgerSignature (receiver helper)', () => {
  const secret = 'whsec_test';
  const body = '{"notificationId":"ntf_1","kind":"window.threshold","accountId":"a-1"}';
  const t = 1_793_491_200; // 2026-11-01T00:00:00Z
  const at = (seconds: number) => ({ now: seconds * 1000 });

  it('accepts the ledger signature of the same bytes, as a string or as bytes, and gives t back', () => {
    const header = webhookSignature(secret, t, body);
    expect(verifyLedgerSignature(secret, header, body, at(t))).toEqual({ valid: true, timestamp: t });
    expect(verifyLedgerSignature(secret, header, Buffer.from(body), at(t + 10))).toEqual({
      valid: true,
      timestamp: t,
    });
    expect(verifyLedgerSignature(secret, header, body, { now: new Date(t * 1000) }).valid).toBe(true);
  });

  it('refuses another secret, a changed body, a changed t: mismatch', () => {
    const header = webhookSignature(secret, t, body);
    expect(verifyLedgerSignature('whsec_other', header, body, at(t))).toEqual({
      valid: false,
      reason: 'mismatch',
    });
    expect(verifyLedgerSignature(secret, header, body.replace('a-1', 'a-2'), at(t)).valid).toBe(false);
    expect(verifyLedgerSignature(secret, header, `${body}\n`, at(t)).valid).toBe(false);
    const moved = header.replace(`t=${t}`, `t=${t + 1}`);
    expect(verifyLedgerSignature(secret, moved, body, at(t))).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('refuses an authentic t beyond the tolerance either way (stale), and accepts it at the edge', () => {
    const header = webhookSignature(secret, t, body);
    expect(verifyLedgerSignature(secret, header, body, at(t + 300)).valid).toBe(true);
    expect(verifyLedgerSignature(secret, header, body, at(t - 300)).valid).toBe(true);
    expect(verifyLedgerSignature(secret, header, body, at(t + 301))).toEqual({
      valid: false,
      reason: 'stale',
    });
    expect(verifyLedgerSignature(secret, header, body, at(t - 301))).toEqual({
      valid: false,
      reason: 'stale',
    });
    const strict = { toleranceSeconds: 5, now: (t + 6) * 1000 };
    expect(verifyLedgerSignature(secret, header, body, strict)).toEqual({ valid: false, reason: 'stale' });
    // Milliseconds within the second do not count against the sender.
    expect(
      verifyLedgerSignature(secret, header, body, { toleranceSeconds: 0, now: t * 1000 + 999 }).valid,
    ).toBe(true);
  });

  it('refuses headers it cannot read: missing, repeated, not hex, two t, no v1, too long', () => {
    const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    const malformed = [
      undefined,
      ['a', 'b'],
      '',
      `v1=${v1}`,
      `t=${t}`,
      `t=${t},v1=${v1.toUpperCase()}`,
      `t=${t},v1=${v1.slice(2)}`,
      `t=${t},t=${t},v1=${v1}`,
      `t=-${t},v1=${v1}`,
      `t=${t}.5,v1=${v1}`,
      `t=${t};v1=${v1}`,
      `t=${t},v1=${v1},${'x=y,'.repeat(300)}z=1`,
    ];
    for (const header of malformed)
      expect([header, verifyLedgerSignature(secret, header, body, at(t))]).toEqual([
        header,
        { valid: false, reason: 'malformed' },
      ]);
  });

  it('accepts any one matching v1 among several, spaces around entries, and ignores unknown entries', () => {
    const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    const other = createHmac('sha256', 'old').update(`${t}.${body}`).digest('hex');
    expect(verifyLedgerSignature(secret, `t=${t}, v1=${other}, v1=${v1}, v2=zz`, body, at(t)).valid).toBe(
      true,
    );
    expect(verifyLedgerSignature(secret, `t=${t},v1=${other}`, body, at(t)).valid).toBe(false);
  });

  it('throws on a programming error rather than answering: empty secret, bad tolerance, bad now', () => {
    const header = webhookSignature(secret, t, body);
    expect(() => verifyLedgerSignature('', header, body)).toThrow(TypeError);
    expect(() => verifyLedgerSignature(secret, header, body, { toleranceSeconds: -1 })).toThrow(RangeError);
    expect(() => verifyLedgerSignature(secret, header, body, { toleranceSeconds: 1.5 })).toThrow(RangeError);
    expect(() => verifyLedgerSignature(secret, header, body, { now: new Date('x') })).toThrow(RangeError);
  });

  it('(property, seeded) the ledger signature verifies, and any one changed byte of the body does not', () => {
    const seed = Number(process.env.FC_SEED ?? 19);
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 253_402_300_799 }),
        fc.nat(),
        (key, bytes, seconds, flip) => {
          const raw = Buffer.from(bytes).toString('latin1');
          const header = webhookSignature(key, seconds, raw);
          const sent = Buffer.from(raw, 'utf8');
          expect(verifyLedgerSignature(key, header, sent, at(seconds)).valid).toBe(true);
          const changed = Buffer.from(sent);
          changed[flip % changed.length] ^= 0x01;
          expect(verifyLedgerSignature(key, header, changed, at(seconds))).toEqual({
            valid: false,
            reason: 'mismatch',
          });
        },
      ),
      { seed, numRuns: 200 },
    );
  });
});
