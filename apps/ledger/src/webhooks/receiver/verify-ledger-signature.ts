import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * For receivers of the ledger's webhooks: checks `Ledger-Signature: t=<unix seconds>,v1=<hex
 * HMAC-SHA256(secret, t + "." + raw body)>` (API.md). It imports nothing of the ledger (only
 * `node:crypto`), so a consumer can copy this one file; docs/WEBHOOKS.md has it in Python too.
 */

/** Why a delivery is refused: no usable header, a signature that does not match, or a `t` too far off. */
export type LedgerSignatureRefusal = 'malformed' | 'mismatch' | 'stale';

export type LedgerSignatureCheck =
  | { readonly valid: true; readonly timestamp: number }
  | { readonly valid: false; readonly reason: LedgerSignatureRefusal };

export interface LedgerSignatureOptions {
  /** How far `t` may be from `now`, either way, in seconds (default 300). */
  readonly toleranceSeconds?: number;
  /** The receiver's clock: a Date or epoch milliseconds (default: now). */
  readonly now?: Date | number;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;
/** Longer than any header the ledger sends; a bound on what is parsed. */
const MAX_HEADER_LENGTH = 1_024;
const TIMESTAMP = /^\d{1,12}$/;
const V1 = /^[0-9a-f]{64}$/;

/**
 * `rawBody` must be the bytes as received (before any JSON parsing: a re-serialised body does not
 * match). `header` may be what `node:http` gives (`req.headers['ledger-signature']`). Several `v1`
 * entries are allowed (any one matching is enough); unknown entries are ignored. The signature is
 * compared in constant time; an authentic `t` further than the tolerance from `now` is `stale`
 * (a replayed capture). Dedupe on the body's `notificationId`: the ledger delivers at least once.
 */
export function verifyLedgerSignature(
  secret: string,
  header: string | readonly string[] | undefined,
  rawBody: string | Uint8Array,
  options: LedgerSignatureOptions = {},
): LedgerSignatureCheck {
  const toleranceSeconds = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isSafeInteger(toleranceSeconds) || toleranceSeconds < 0)
    throw new RangeError('toleranceSeconds must be a whole number of seconds, 0 or more');
  if (typeof secret !== 'string' || secret === '') throw new TypeError('secret must be a non-empty string');
  const nowMs = options.now === undefined ? Date.now() : Number(options.now);
  if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid instant');

  const parsed = parseHeader(header);
  if (parsed === null) return { valid: false, reason: 'malformed' };
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  const expected = createHmac('sha256', secret).update(`${parsed.timestamp}.`, 'utf8').update(body).digest();
  // Every candidate is compared (no early exit), each in constant time.
  let matched = false;
  for (const candidate of parsed.signatures) {
    if (timingSafeEqual(expected, candidate)) matched = true;
  }
  if (!matched) return { valid: false, reason: 'mismatch' };
  if (Math.abs(Math.floor(nowMs / 1000) - parsed.timestamp) > toleranceSeconds)
    return { valid: false, reason: 'stale' };
  return { valid: true, timestamp: parsed.timestamp };
}

function parseHeader(
  header: string | readonly string[] | undefined,
): { timestamp: number; signatures: Buffer[] } | null {
  if (typeof header !== 'string' || header.length > MAX_HEADER_LENGTH) return null;
  let timestamp: number | null = null;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (timestamp !== null || !TIMESTAMP.test(value)) return null;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!V1.test(value)) return null;
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === null || signatures.length === 0) return null;
  return { timestamp, signatures };
}
