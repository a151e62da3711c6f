import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { loadLedgerConfig } from '../../apps/ledger/src/config/ledger-config';
import { createLedgerApp } from '../../apps/ledger/src/http/create-app';
import { startEsdbDouble, type EsdbDouble } from './esdb-double/esdb-double';

/** The event store engines every e2e suite runs on: embedded SQLite, and EventStoreDB through its real client to the gRPC double. */
export const ENGINES = ['sqlite', 'eventstoredb'] as const;
export type Engine = (typeof ENGINES)[number];

export const KEYS = {
  service: 'svc-key-1',
  admin: 'adm-key-1',
  finance: 'fin-key-1',
  support: 'sup-key-1',
} as const;
export type TestRole = keyof typeof KEYS;

export const CLOCK_START = '2026-11-01T00:00:00.000Z';

export interface TestLedger {
  readonly app: NestFastifyApplication;
  readonly dataDir: string;
  /** supertest against the real HTTP server (Fastify, the whole Nest pipeline). */
  http(): ReturnType<typeof request>;
  as(role: TestRole): {
    get(url: string): request.Test;
    post(url: string, body?: unknown): request.Test;
    put(url: string, body?: unknown): request.Test;
  };
  advanceClock(ms: number): Promise<void>;
  /** Stops the app and starts a new one on the same data dir (and the same EventStoreDB double). */
  restart(): Promise<TestLedger>;
  close(): Promise<void>;
}

/**
 * Starts the real ledger on a fresh data dir (SQLite, or EventStoreDB through the gRPC double), on a simulated clock. With
 * `dataDir` it reopens an existing one (restart tests).
 */
export async function startTestLedger(
  env: Record<string, string> = {},
  options: { dataDir?: string; engine?: Engine; double?: EsdbDouble } = {},
): Promise<TestLedger> {
  const dir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-e2e-'));
  const double = options.double ?? (options.engine === 'eventstoredb' ? await startEsdbDouble() : undefined);
  const config = loadLedgerConfig({
    ...(double ? { EVENTSTORE_CONNECTION_STRING: double.connectionString } : {}),
    LEDGER_DATA_DIR: dir,
    LEDGER_API_KEYS: Object.entries(KEYS)
      .map(([role, key]) => `${role}:${key}`)
      .join(','),
    LEDGER_CLOCK: 'simulated',
    LEDGER_CLOCK_START: CLOCK_START,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const app = await createLedgerApp(config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer();
  const as = (role: TestRole) => {
    const auth = `Bearer ${KEYS[role]}`;
    return {
      get: (url: string) => request(server).get(url).set('authorization', auth),
      post: (url: string, body?: unknown) =>
        request(server)
          .post(url)
          .set('authorization', auth)
          .send(body as object),
      put: (url: string, body?: unknown) =>
        request(server)
          .put(url)
          .set('authorization', auth)
          .send(body as object),
    };
  };
  return {
    app,
    dataDir: dir,
    http: () => request(server),
    as,
    advanceClock: async (ms: number) => {
      await as('admin').post('/v1/admin/clock', { advanceMs: ms }).expect(200);
    },
    restart: async () => {
      await app.close();
      return startTestLedger(env, { dataDir: dir, engine: options.engine, double });
    },
    close: async () => {
      await app.close();
      await double?.stop();
    },
  };
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
