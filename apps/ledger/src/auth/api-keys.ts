import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../config/ledger-config';
import { unshownMarkerOf } from './first-start-keys';

export const ROLES = ['service', 'admin', 'finance', 'support'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  readonly roles: ReadonlySet<Role>;
  /**
   * An opaque, non-secret id of the key, recorded as the actor of the commands it sends (SPEC §10):
   * the id configured with the key, or else an HMAC of the key under a server-side secret. Never a
   * bare hash of the key, which anyone reading a timeline could test guesses against offline.
   */
  readonly keyId: string;
}

/** A configured key: its roles and, when the entry named one, its key id. */
export interface KeyGrant {
  readonly roles: Set<Role>;
  keyId?: string;
}

interface KeyEntry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

/** A key setting the operator must fix: `LEDGER_API_KEYS` or the key file, named first. */
export class ApiKeyError extends ConfigError {
  override readonly name = 'ApiKeyError';
}

/** A key id: a short name safe to print in audit records and logs. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Parses `role:key` (API.md) and `role@keyId:key` entries, comma- or line-separated. The key is all
 * after the first colon, colons included; the key id (KEY_ID_PATTERN) is what audit records show. A
 * key listed under several roles gets all of them and must keep one id.
 */
/** The key an `Authorization: Bearer <key>` header carries, if it is of that form. */
export function bearerKeyOf(header: unknown): string | undefined {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

export function parseApiKeys(spec: string, source = 'LEDGER_API_KEYS'): Map<string, KeyGrant> {
  const keys = new Map<string, KeyGrant>();
  // Commas (LEDGER_API_KEYS) or lines (the key file, one `role@keyId:key` a line; older files used commas).
  for (const raw of spec.split(/[,\n]/)) {
    const entry = raw.trim();
    if (entry === '') continue;
    // `role:key` as API.md has it (everything after the first colon is the key, colons included), or
    // `role@keyId:key`: the id rides on the role, so no `role:key` entry can be read as one with an id.
    const colon = entry.indexOf(':');
    const head = colon < 0 ? entry : entry.slice(0, colon);
    const at = head.indexOf('@');
    const role = (at < 0 ? head : head.slice(0, at)) as Role;
    if (colon < 1 || !ROLES.includes(role)) {
      throw new ApiKeyError(source, `"${role}" is not a role (${ROLES.join(', ')})`);
    }
    const keyId = at < 0 ? undefined : head.slice(at + 1);
    const key = entry.slice(colon + 1);
    if (keyId !== undefined && !KEY_ID_PATTERN.test(keyId)) {
      throw new ApiKeyError(source, `the key id for role ${role} must be 1–64 chars of A-Z a-z 0-9 . _ -`);
    }
    if (key.length < 4) throw new ApiKeyError(source, `the key for role ${role} is too short`);
    const grant = keys.get(key) ?? { roles: new Set<Role>() };
    if (keyId !== undefined) {
      if (grant.keyId !== undefined && grant.keyId !== keyId) {
        throw new ApiKeyError(source, `one key is listed with two key ids (${grant.keyId}, ${keyId})`);
      }
      grant.keyId = keyId;
    }
    grant.roles.add(role);
    keys.set(key, grant);
  }
  if (keys.size === 0) throw new ApiKeyError(source, 'no role:key entry');
  const ids = [...keys.values()].flatMap((g) => (g.keyId === undefined ? [] : [g.keyId]));
  if (new Set(ids).size !== ids.length) {
    throw new ApiKeyError(source, 'two different keys share one key id');
  }
  return keys;
}

/**
 * Holds the keys as SHA-256 digests (compared in constant time, never printed) and each key's
 * principal. A key without a configured id is named by HMAC-SHA256(secret, key): stable for one data
 * dir, and useless to whoever reads it without the secret.
 */
export class ApiKeyRing {
  private readonly entries: KeyEntry[];

  constructor(keys: Map<string, KeyGrant>, secret: Buffer) {
    this.entries = [...keys].map(([key, grant]) => ({
      digest: sha256(key),
      principal: { roles: grant.roles, keyId: grant.keyId ?? derivedKeyId(secret, key) },
    }));
  }

  authenticate(presented: string): Principal | undefined {
    const digest = sha256(presented);
    let found: Principal | undefined;
    // Compare against every entry, without stopping early, so timing says nothing about which matched.
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest)) found = entry.principal;
    }
    return found;
  }
}

/** `k-` and 16 hex chars of the keyed HMAC: opaque without the server's secret. */
export function derivedKeyId(secret: Buffer, key: string): string {
  return `k-${createHmac('sha256', secret).update(key, 'utf8').digest('hex').slice(0, 16)}`;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export interface LoadedKeys {
  readonly keys: Map<string, KeyGrant>;
  /** The server-side secret that names keys configured without an id. */
  readonly secret: Buffer;
  /** Set only when the keys were generated by this start (main.ts prints them after listen: first-start-keys.ts). */
  readonly generated?: { readonly file: string; readonly entries: readonly string[] };
}

/**
 * LEDGER_API_KEYS when set; otherwise the key file under the data dir, made on first start with
 * one random key per role, each with a random key id (`role@keyId:key`), owner-only permissions.
 */
export function loadOrCreateApiKeys(spec: string | undefined, dataDir: string): LoadedKeys {
  const secret = loadOrCreateSecret(dataDir);
  if (spec !== undefined) return { keys: parseApiKeys(spec), secret };
  const file = path.join(dataDir, 'api-keys');
  if (fs.existsSync(file)) return { keys: parseApiKeys(fs.readFileSync(file, 'utf8'), file), secret };
  const entries = ROLES.map(
    (role) =>
      `${role}@${role}-${randomBytes(4).toString('hex')}:${role.slice(0, 3)}_${randomBytes(24).toString('base64url')}`,
  );
  // The marker first: whichever start gets to listen shows the keys, even if this one dies before.
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(unshownMarkerOf(dataDir), '', { mode: 0o600 });
  if (!createOwnerOnly(file, entries.join('\n') + '\n'))
    return { keys: parseApiKeys(fs.readFileSync(file, 'utf8'), file), secret };
  return { keys: parseApiKeys(entries.join(',')), secret, generated: { file, entries } };
}

/** Parses the configured or stored keys without making any: a start-up check (main.ts). */
export function checkApiKeys(spec: string | undefined, dataDir: string): void {
  const file = path.join(dataDir, 'api-keys');
  if (spec !== undefined) parseApiKeys(spec);
  else if (fs.existsSync(file)) parseApiKeys(fs.readFileSync(file, 'utf8'), file);
}

/** The HMAC secret for key ids, `<dataDir>/api-key-id-secret`, made on first start (mode 600). */
function loadOrCreateSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, 'api-key-id-secret');
  if (!fs.existsSync(file)) createOwnerOnly(file, randomBytes(32).toString('base64url') + '\n');
  const secret = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'utf8');
  if (secret.length < 16) throw new ApiKeyError(file, 'holds no usable secret (delete it to make a new one)');
  return secret;
}

/**
 * Makes a new owner-only file whole or not at all (written aside, then hard-linked into place, which
 * fails if the name exists): false when another process made it meanwhile; then read theirs.
 */
function createOwnerOnly(file: string, content: string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(aside, content, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(aside, { force: true });
  }
}
