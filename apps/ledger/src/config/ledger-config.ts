import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseIsoInstant } from '@ledger/domain';
import { LATEST_SIMULATED_TIME } from '../clock/clock';

/** Everything the ledger reads from its environment, parsed once at start (API.md "Running"). */
export interface LedgerConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** `role:key` entries; undefined when LEDGER_API_KEYS is unset (keys are then generated on first start). */
  readonly apiKeys?: string;
  readonly rateCardPath: string;
  readonly clock: { readonly mode: 'system' } | { readonly mode: 'simulated'; readonly start?: string };
  readonly eventStoreConnectionString?: string;
  readonly logLevel: string;
  /** How often the scheduler writes off expired credits. */
  readonly expirySweepMs: number;
  /** Where the projection runner runs: its own worker thread (default), or the request thread. */
  readonly projectionsThread: 'worker' | 'main';
  /**
   * Where the embedded log's group commits run: on the request thread (default), or a writer thread.
   * Measured on 2 cores (2026-12-03, same build, alternating): the thread costs more CPU in total
   * (postMessage per batch, the request thread's page cache dropped after every foreign commit) than
   * the fsync wait it moves off — usage 2,324–2,430 inline vs 1,898–2,202 req/s, batch 9,328 vs
   * 7,970 records/s. With idle cores to spare it may pay; it is contract-tested either way.
   */
  readonly sqliteWriter: 'thread' | 'inline';
  /** Webhook delivery (SPEC §8; apps/ledger/src/webhooks/README.md). */
  readonly webhooks: WebhookConfig;
}

export interface WebhookConfig {
  /** LEDGER_WEBHOOK_KEY: seals the signing secrets at rest; unset: `<dataDir>/webhook-secret.key`. */
  readonly key?: string;
  /** LEDGER_WEBHOOK_ALLOW_PRIVATE=true: private and loopback targets allowed (tests, local receivers). */
  readonly allowPrivate: boolean;
  /** LEDGER_WEBHOOK_DISPATCHER=off: this node never dispatches (it still serves the API). */
  readonly dispatcher: boolean;
  /** LEDGER_WEBHOOK_POLL_MS: how often the dispatcher looks for work (default 1000). */
  readonly pollMs: number;
  /** LEDGER_WEBHOOK_TIMEOUT_MS: a receiver slower than this counts as a failed attempt (default 10000). */
  readonly timeoutMs: number;
  /** LEDGER_WEBHOOK_LEASE_MS: the dispatch lease's length on the ledger clock (default 30000). */
  readonly leaseMs: number;
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');

/** The shipped rate card, found from the project root whether we run from source (tests) or from dist/. */
export const DEFAULT_RATE_CARD_PATH = path.join(projectRoot(__dirname), 'config', 'rate-card.json');

function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/**
 * A setting the operator must fix. The message is one line, `<VARIABLE or file>: <what is wrong>`,
 * printed by main.ts as `ledger: <message>` (no stack: nothing is wrong with the code).
 */
export class ConfigError extends Error {
  override readonly name: string = 'ConfigError';

  constructor(subject: string, problem: string) {
    super(`${subject}: ${oneLine(problem)}`);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ');
}

export function loadLedgerConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const port = integer(env.PORT ?? '3000', 'PORT', 0, 65_535);
  const clockMode = env.LEDGER_CLOCK ?? 'system';
  if (clockMode !== 'system' && clockMode !== 'simulated') {
    throw new ConfigError('LEDGER_CLOCK', `must be "system" or "simulated", got "${clockMode}"`);
  }
  const projectionsThread = env.LEDGER_PROJECTIONS_THREAD ?? 'worker';
  if (projectionsThread !== 'worker' && projectionsThread !== 'main') {
    throw new ConfigError(
      'LEDGER_PROJECTIONS_THREAD',
      `must be "worker" or "main", got "${projectionsThread}"`,
    );
  }
  const sqliteWriter = env.LEDGER_SQLITE_WRITER ?? 'inline';
  if (sqliteWriter !== 'thread' && sqliteWriter !== 'inline') {
    throw new ConfigError('LEDGER_SQLITE_WRITER', `must be "thread" or "inline", got "${sqliteWriter}"`);
  }
  const clockStart = env.LEDGER_CLOCK_START;
  if (clockStart !== undefined) checkClockStart(clockStart);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: path.resolve(env.LEDGER_DATA_DIR ?? './data'),
    apiKeys:
      env.LEDGER_API_KEYS === undefined || env.LEDGER_API_KEYS.trim() === ''
        ? undefined
        : env.LEDGER_API_KEYS,
    rateCardPath: env.LEDGER_RATE_CARD ? path.resolve(env.LEDGER_RATE_CARD) : DEFAULT_RATE_CARD_PATH,
    clock: clockMode === 'simulated' ? { mode: 'simulated', start: clockStart } : { mode: 'system' },
    eventStoreConnectionString: env.EVENTSTORE_CONNECTION_STRING || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    expirySweepMs: integer(env.LEDGER_EXPIRY_SWEEP_MS ?? '60000', 'LEDGER_EXPIRY_SWEEP_MS', 100, 86_400_000),
    projectionsThread,
    sqliteWriter,
    webhooks: loadWebhookConfig(env),
  };
}

function loadWebhookConfig(env: NodeJS.ProcessEnv): WebhookConfig {
  const key =
    env.LEDGER_WEBHOOK_KEY === undefined || env.LEDGER_WEBHOOK_KEY === ''
      ? undefined
      : env.LEDGER_WEBHOOK_KEY;
  if (key !== undefined && key.length < 32)
    throw new ConfigError(
      'LEDGER_WEBHOOK_KEY',
      'must be at least 32 characters (e.g. `openssl rand -base64 32`)',
    );
  const allowPrivate = env.LEDGER_WEBHOOK_ALLOW_PRIVATE ?? 'false';
  if (allowPrivate !== 'true' && allowPrivate !== 'false')
    throw new ConfigError('LEDGER_WEBHOOK_ALLOW_PRIVATE', `must be "true" or "false", got "${allowPrivate}"`);
  const dispatcher = env.LEDGER_WEBHOOK_DISPATCHER ?? 'on';
  if (dispatcher !== 'on' && dispatcher !== 'off')
    throw new ConfigError('LEDGER_WEBHOOK_DISPATCHER', `must be "on" or "off", got "${dispatcher}"`);
  return {
    key,
    allowPrivate: allowPrivate === 'true',
    dispatcher: dispatcher === 'on',
    pollMs: integer(env.LEDGER_WEBHOOK_POLL_MS ?? '1000', 'LEDGER_WEBHOOK_POLL_MS', 10, 3_600_000),
    timeoutMs: integer(env.LEDGER_WEBHOOK_TIMEOUT_MS ?? '10000', 'LEDGER_WEBHOOK_TIMEOUT_MS', 100, 600_000),
    leaseMs: integer(env.LEDGER_WEBHOOK_LEASE_MS ?? '30000', 'LEDGER_WEBHOOK_LEASE_MS', 1_000, 3_600_000),
  };
}

/**
 * SPEC §10: an ISO-8601 instant with a zone, within the ledger's range and no later than where the
 * simulated clock stops (so every expiry and window end derived from it stays a readable time).
 */
function checkClockStart(value: string): void {
  const ms = parseIsoInstant(value);
  if (ms === null || ms > LATEST_SIMULATED_TIME) {
    throw new ConfigError(
      'LEDGER_CLOCK_START',
      `must be an ISO-8601 instant with a zone between 1970-01-01T00:00:00Z and ${new Date(LATEST_SIMULATED_TIME).toISOString()}, got "${value}"`,
    );
  }
}

function integer(value: string, name: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}
