import { hash } from 'node:crypto';

/**
 * Namespace of content-addressed event ids (v2). v1 (`uuidv5(key#index)`, before content-addressing)
 * ids stay in old logs untouched: nothing re-derives an id from a stored event, replays go through
 * the idempotency index in the state.
 */
const LEDGER_EVENT_NAMESPACE_V2 = '8d2c1f4e-6b3a-5e9d-a7c2-41f0e3b9d615';
const NAMESPACE_V2_BYTES = uuidBytes(LEDGER_EVENT_NAMESPACE_V2);

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
  // The name of event i is JSON.stringify([stream, key, content, i]); the shared part is encoded once.
  const shared = JSON.stringify([stream, key, content]).slice(0, -1);
  return events.map((_, index) => uuidV5(`${shared},${index}]`, NAMESPACE_V2_BYTES));
}

/**
 * The uuid package's `v5(name, namespace)` (RFC 9562 §5.5: SHA-1 of the namespace's 16 bytes then the
 * name's UTF-8, version 5, variant 10), with node:crypto and no per-call parsing: the package's UTF-8
 * encoding and namespace parsing were most of eventIdsOf. Ids must stay bit-identical (old logs and
 * retries across an upgrade dedupe on them): command-identity.spec checks it against the package.
 */
export function uuidV5(name: string, namespace: Buffer): string {
  const bytes = Buffer.allocUnsafe(namespace.length + Buffer.byteLength(name, 'utf8'));
  namespace.copy(bytes, 0);
  bytes.write(name, namespace.length, 'utf8');
  const hex = hash('sha1', bytes, 'hex');
  return (
    `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-` +
    `${VARIANT_10[hex[16]]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
  );
}

/** The high nibble of byte 8 with its two top bits set to 10 (the RFC variant), by its hex digit. */
const VARIANT_10: Readonly<Record<string, string>> = Object.fromEntries(
  [...'0123456789abcdef'].map((digit, nibble) => [digit, ((nibble & 0x3) | 0x8).toString(16)]),
);

export function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
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

/** Built in one string, without the arrays of entries, pairs and parts it used to make per object. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // A hole prints as nothing, as it always has (map and join skipped it).
      if (i in value) out += value[i] === undefined ? 'null' : canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '';
  // Default sort: UTF-16 code-unit order, the order the comparator spelled out before.
  for (const key of Object.keys(record).sort()) {
    const field = record[key];
    if (field === undefined) continue;
    out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(field)}`;
  }
  return `{${out}}`;
}
