import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SealedSecret } from '@ledger/domain';

/** Where the deployment key lives when LEDGER_WEBHOOK_KEY is not set (single-node SQLite default). */
export const WEBHOOK_KEY_FILE = 'webhook-secret.key';

/**
 * The deployment key that seals webhook signing secrets at rest (AES-256-GCM): the log holds only
 * ciphertext, so a copy of the events file or an export never gives a receiver's secret away.
 * From LEDGER_WEBHOOK_KEY (every node of a cluster must have the same), or else from a key file in
 * the data dir, created on first start with mode 0600.
 */
export class WebhookSecretBox {
  private readonly key: Buffer;
  /** A fingerprint of the key (not the key): stored with each secret, so a wrong key is named, not guessed. */
  readonly keyId: string;

  constructor(material: string) {
    this.key = hash('sha256', `ledger-webhook-secrets:${material}`, 'buffer');
    this.keyId = hash('sha256', this.key, 'hex').slice(0, 16);
  }

  static fromConfig(key: string | undefined, dataDir: string): WebhookSecretBox {
    return new WebhookSecretBox(key ?? keyFromFile(path.join(dataDir, WEBHOOK_KEY_FILE)));
  }

  /** A new signing secret: 32 random bytes, shown to the caller once. */
  static newSecret(): string {
    return `whsec_${randomBytes(32).toString('base64url')}`;
  }

  seal(secret: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return {
      keyId: this.keyId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
  }

  /** @throws when the secret was sealed with another key, or was altered. */
  open(sealed: SealedSecret): string {
    if (sealed.keyId !== this.keyId)
      throw new Error(
        `the webhook secret was sealed with key ${sealed.keyId}, this node has key ${this.keyId} (set the same LEDGER_WEBHOOK_KEY on every node)`,
      );
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  }
}

/** Reads the key file, or creates it (exclusively: two processes starting together agree on one). */
function keyFromFile(file: string): string {
  try {
    return readKey(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readKey(file);
}

function readKey(file: string): string {
  const key = fs.readFileSync(file, 'utf8').trim();
  if (key.length < 32) throw new Error(`${file}: a webhook key must be at least 32 characters`);
  return key;
}
