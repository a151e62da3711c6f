import { hash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

/**
 * Namespace of content-addressed event ids (v2). v1 (`uuidv5(key#index)`, before content-addressing)
 * ids stay in old logs untouched: nothing re-derives an id from a stored event, replays go through
 * the idempotency index in the state.
 */
const LEDGER_EVENT_NAMESPACE_V2 = '8d2c1f4e-6b3a-5e9d-a7c2-41f0e3b9d615';

/** What an event id is derived from: the events as they will be stored, plus where and why. */
export interface EventsToIdentify {
  readonly stream: string;
  /** The command's key (see commandKey): the same command retried has the same key. */
  readonly key: string;
  readonly events: readonly { readonly type: string; readonly data: unknown }[];
}

/**
 * Content-addressed ids: uuid v5 of an unambiguous encoding (a JSON array) of stream, command key, a
 * digest of ALL the events' content (type and data, the bytes the store keeps) and the index. The
 * same decision re-sent (a gRPC retry) has the same ids and dedupes; another decision under the same
 * key (another node decided first, on other state or at another time) has other ids, so the store
 * answers a version conflict and the handler reads the log and decides again — it can never take
 * another node's events for its own.
 */
export function eventIdsOf({ stream, key, events }: EventsToIdentify): string[] {
  const content = hash('sha256', JSON.stringify(events.map((e) => [e.type, e.data])), 'base64url');
  return events.map((_, index) =>
    uuidv5(JSON.stringify([stream, key, content, index]), LEDGER_EVENT_NAMESPACE_V2),
  );
}

/**
 * A command's key, with its parts encoded without ambiguity (a JSON array): account `a:b` with id
 * `c` and account `a` with id `b:c` get different keys. `parts` are the command type, the account
 * and the command's own id, or `@` and the revision it was decided at for commands without one.
 */
export function commandKey(...parts: readonly string[]): string {
  return JSON.stringify(parts);
}

/**
 * SHA-256 over the canonical JSON of a command payload (keys sorted, undefined dropped), so the same
 * request spelled with its keys in another order is the same request, and any other change is not.
 * Callers hash the NORMALISED command (see normaliseForFingerprint in @ledger/domain).
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
