import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { AppModule } from '../../../apps/ledger/src/app.module';
import { loadLedgerConfig, type LedgerConfig } from '../../../apps/ledger/src/config/ledger-config';
import { strictValidationPipe } from '../../../apps/ledger/src/http/validation';
import { ReadSideModule } from '../../../apps/ledger/src/read-side/read-side.module';
import { CLOCK_START, KEYS, type TestRole } from '../../support/ledger-app';

/** The ledger app plus its read side (until AppModule imports ReadSideModule itself; Nest dedupes modules). */
@Module({})
class LedgerWithReadSide {
  static forConfig(config: LedgerConfig): DynamicModule {
    return { module: LedgerWithReadSide, imports: [AppModule.forConfig(config), ReadSideModule] };
  }
}

export interface ReadSideLedger {
  readonly app: NestFastifyApplication;
  readonly dataDir: string;
  as(role: TestRole): { get(url: string): request.Test; post(url: string, body?: unknown): request.Test };
  anonymous(): ReturnType<typeof request>;
  close(): Promise<void>;
}

/** The real HTTP server (Fastify, whole Nest pipeline), SQLite files in a fresh data dir, simulated clock. */
export async function startReadSideLedger(dataDir?: string): Promise<ReadSideLedger> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-read-e2e-'));
  const config = loadLedgerConfig({
    LEDGER_DATA_DIR: dir,
    LEDGER_API_KEYS: Object.entries(KEYS)
      .map(([role, key]) => `${role}:${key}`)
      .join(','),
    LEDGER_CLOCK: 'simulated',
    LEDGER_CLOCK_START: CLOCK_START,
    LOG_LEVEL: 'warn',
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    LedgerWithReadSide.forConfig(config),
    new FastifyAdapter(),
    {
      logger: process.env.E2E_LOGS ? ['error', 'warn'] : false,
    },
  );
  app.useGlobalPipes(strictValidationPipe());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer();
  return {
    app,
    dataDir: dir,
    as: (role) => {
      const auth = `Bearer ${KEYS[role]}`;
      return {
        get: (url) => request(server).get(url).set('authorization', auth),
        post: (url, body) =>
          request(server)
            .post(url)
            .set('authorization', auth)
            .send(body as object),
      };
    },
    anonymous: () => request(server),
    close: () => app.close(),
  };
}
