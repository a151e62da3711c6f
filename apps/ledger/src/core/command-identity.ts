import { hash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

/** Fixed namespace for the ledger's event ids: uuid v5(idempotency key + index) is the same on every retry. */
const LEDGER_EVENT_NAMESPACE = '3f0b6a52-7c1e-5d7a-9b3e-2c4f6a8d1e07';

export function eventId(idempotencyKey: string, index: number): string {
  return uuidv5(`${idempotencyKey}#${index}`, LEDGER_EVENT_NAMESPACE);
}

/**
 * SHA-256 over the canonical JSON of a command payload (keys sorted, undefined dropped), so the same
 * request spelled with its keys in another order is the same request, and any other change is not.
 */
export function fingerprintOf(payload: unknown): string {
  // One-shot hash: no Hash object per command (it shows in profiles at thousands of commands a second).
  return hash('sha256', canonicalJson(payload), 'base64url').slice(0, 22);
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
