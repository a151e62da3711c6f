import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiKeyError, ApiKeyRing, loadOrCreateApiKeys, parseApiKeys } from './api-keys';

describe('API keys and key ids (SPEC §10: actors are opaque key ids, never a bare hash)', () => {
  const secret = Buffer.from('a-test-secret-of-enough-length');

  it('reads role:key and role@keyId:key entries; a key under several roles keeps one id', () => {
    const keys = parseApiKeys(
      'service@gw-1:s3cret:with:colons, admin:adm1n ,finance@gw-1:s3cret:with:colons',
    );
    expect(keys.get('s3cret:with:colons')).toEqual({ roles: new Set(['service', 'finance']), keyId: 'gw-1' });
    expect(keys.get('adm1n')).toEqual({ roles: new Set(['admin']) });
  });

  it('keeps API.md’s role:key as it was: everything after the first colon is the key, colons included', () => {
    const keys = parseApiKeys('service:team:s3cr3t,admin:abc:defg');
    expect(keys.get('team:s3cr3t')).toEqual({ roles: new Set(['service']) });
    expect(keys.get('abc:defg')).toEqual({ roles: new Set(['admin']) });
    expect(keys.has('s3cr3t')).toBe(false);
  });

  it.each([
    ['owner:key1', /not a role/],
    ['service:k', /too short/],
    ['service@bad id!:key1', /key id/],
    ['service@:key1', /key id/],
    ['service@a:key1,admin@b:key1', /two key ids/],
    ['service@a:key1,admin@a:key2', /share one key id/],
    ['', /no role:key/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseApiKeys(spec)).toThrow(ApiKeyError);
    expect(() => parseApiKeys(spec)).toThrow(message);
  });

  it('names a key without an id by a keyed HMAC: not its sha256, different under another secret', () => {
    const keys = parseApiKeys('service:weak');
    const id = new ApiKeyRing(keys, secret).authenticate('weak')?.keyId;
    expect(id).toMatch(/^k-[0-9a-f]{16}$/);
    const bare = createHash('sha256').update('weak').digest('hex');
    expect(bare.startsWith((id ?? '').slice(2, 10))).toBe(false);
    expect(new ApiKeyRing(keys, Buffer.from('another-secret-entirely')).authenticate('weak')?.keyId).not.toBe(
      id,
    );
    expect(new ApiKeyRing(keys, secret).authenticate('wrong')).toBeUndefined();
  });

  it('generates keys with key ids and a secret, owner-only, and reads the same ones back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-keys-'));
    try {
      const first = loadOrCreateApiKeys(undefined, dir);
      expect(first.generated?.entries).toHaveLength(4);
      for (const entry of first.generated?.entries ?? [])
        expect(entry).toMatch(/^(\w+)@\1-[0-9a-f]{8}:\w{3}_/);
      for (const name of ['api-keys', 'api-key-id-secret']) {
        expect(fs.statSync(path.join(dir, name)).mode & 0o077).toBe(0);
      }
      expect(fs.readdirSync(dir).sort()).toEqual(['api-key-id-secret', 'api-keys', 'api-keys.not-yet-shown']);
      // One `role@keyId:key` a line, readable with cat.
      expect(fs.readFileSync(path.join(dir, 'api-keys'), 'utf8')).toBe(
        (first.generated?.entries ?? []).map((entry) => `${entry}\n`).join(''),
      );
      const again = loadOrCreateApiKeys(undefined, dir);
      expect(again.generated).toBeUndefined();
      expect(again.keys).toEqual(first.keys);
      expect(again.secret.equals(first.secret)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
