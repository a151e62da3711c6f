import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { loadLedgerConfig } from '../../../ledger/src/config/ledger-config';
import { createLedgerApp } from '../../../ledger/src/http/create-app';

/** One key per role: the demo plays every part (the product's services, an operator, finance, support). */
export const DEMO_KEYS = {
  service: 'demo-service-key',
  admin: 'demo-admin-key',
  finance: 'demo-finance-key',
  support: 'demo-support-key',
} as const;
export type DemoRole = keyof typeof DEMO_KEYS;

export interface DemoServer {
  readonly baseUrl: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

/**
 * The real HTTP server (the same `createLedgerApp` as `npm start`), in this process on a free
 * port: a simulated clock starting at `clockStart`, fixed API keys, the given fresh data dir, the
 * embedded SQLite store unless `eventStore` names an EventStoreDB (tests: the protocol double).
 */
export async function startDemoServer(
  dataDir: string,
  clockStart: string,
  eventStore = '',
): Promise<DemoServer> {
  const config = loadLedgerConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LEDGER_DATA_DIR: dataDir,
    LEDGER_API_KEYS: Object.entries(DEMO_KEYS)
      .map(([role, key]) => `${role}:${key}`)
      .join(','),
    LEDGER_CLOCK: 'simulated',
    LEDGER_CLOCK_START: clockStart,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    EVENTSTORE_CONNECTION_STRING: eventStore,
    // The alerts chapter's receiver listens on 127.0.0.1; the dispatcher looks for work often.
    LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true',
    LEDGER_WEBHOOK_POLL_MS: '50',
  });
  const app: NestFastifyApplication = await createLedgerApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, dataDir, close: () => app.close() };
}
