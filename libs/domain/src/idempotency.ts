import { formatCredits, parseCredits } from './credits';
import { parseIsoInstant } from './time';

/**
 * Idempotency index: per key (`usage:<id>`, `purchase:<id>`, …) the fingerprint of the payload
 * that first used it and the stream revision of the event that holds its outcome. That is all a
 * repeat needs: the shell reads the event at that revision to rebuild the original answer.
 *
 * Keys are `<kind>:<id>` inside one account stream, and no kind contains a colon, so the FIRST colon
 * splits them without ambiguity (`usage:a:b` is kind `usage`, id `a:b`). The format is kept as is:
 * snapshots and the key index of older versions hold these keys.
 */
export interface IdempotencyEntry {
  readonly fingerprint: string;
  readonly revision: number;
}

export type IdempotencyIndex = ReadonlyMap<string, IdempotencyEntry>;

export type IdempotencyCheck =
  | { readonly kind: 'new' }
  | { readonly kind: 'replay'; readonly revision: number }
  | { readonly kind: 'conflict' };

const NEW_KEY: IdempotencyCheck = { kind: 'new' };

export function checkIdempotency(
  index: IdempotencyIndex,
  key: string,
  fingerprint: string,
): IdempotencyCheck {
  const entry = index.get(key);
  if (entry === undefined) return NEW_KEY;
  return entry.fingerprint === fingerprint
    ? { kind: 'replay', revision: entry.revision }
    : { kind: 'conflict' };
}

/** The request field each kind of key comes from: what a caller sent, and what a 409 names. */
const FIELD_OF_KIND = {
  usage: 'usageId',
  purchase: 'purchaseId',
  grant: 'grantId',
  refund: 'refundId',
  reset: 'resetId',
  hold: 'holdId',
  release: 'holdId',
  reversal: 'reversalId',
  topupfailure: 'topUpId',
} as const;

type KeyKind = keyof typeof FIELD_OF_KIND;

const keyOf = (kind: KeyKind) => (id: string) => `${kind}:${id}`;

export const idempotencyKeys = {
  usage: keyOf('usage'),
  purchase: keyOf('purchase'),
  grant: keyOf('grant'),
  refund: keyOf('refund'),
  reset: keyOf('reset'),
  hold: keyOf('hold'),
  release: keyOf('release'),
  reversal: keyOf('reversal'),
  topUpFailure: keyOf('topupfailure'),
} as const;

/**
 * The 409 text for a key reused with another request, in the caller's words: "purchaseId p1 was
 * already used with a different request" (never the internal `purchase:` key).
 */
export function idempotencyConflictMessage(key: string): string {
  const colon = key.indexOf(':');
  const kind = key.slice(0, colon) as KeyKind;
  const field = FIELD_OF_KIND[kind] ?? 'id';
  return `${field} ${key.slice(colon + 1)} was already used with a different request`;
}

/**
 * The form of a command that its fingerprint is taken over, so that two spellings of one request
 * are one request: decimal amounts canonical (`"10.500000"` ≡ `"10.5"`), instants canonical
 * (`…T10:00:00Z` ≡ `…T10:00:00.000Z` ≡ `…T11:00:00+01:00`), and an optional field sent as null ≡
 * absent. Values that do not parse are kept as sent (the command is then refused as invalid, and a
 * refusal records nothing). Pure; already-canonical commands come out unchanged.
 */
export function normaliseForFingerprint(
  type: string,
  data: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { type };
  for (const [field, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (value === null && !NULL_IS_A_VALUE.has(field)) continue;
    out[field] = normaliseField(field, value);
  }
  return out;
}

/** Fields where null means something (no cap), so null is not "absent". */
const NULL_IS_A_VALUE = new Set(['creditsPerMonth']);
const DECIMAL_FIELDS = new Set(['credits', 'creditsPerMonth']);
const INSTANT_FIELDS = new Set(['expiresAt', 'occurredAt']);

function normaliseField(field: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (DECIMAL_FIELDS.has(field)) {
    const micro = parseCredits(value, { max: null });
    return micro === null ? value : formatCredits(micro);
  }
  if (INSTANT_FIELDS.has(field)) {
    const ms = parseIsoInstant(value);
    return ms === null ? value : new Date(ms).toISOString();
  }
  return value;
}
