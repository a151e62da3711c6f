import { NestFactory } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { LedgerReadSide } from '@ledger/projections';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../app.module';
import { ApiKeyRing, bearerKeyOf } from '../auth/api-keys';
import { type LedgerConfig, loadLedgerConfig } from '../config/ledger-config';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { installMinPosition } from '../read-side/min-position.hook';
import { LedgerErrorFilter } from './error-filter';
import { installForbiddenQueryFields } from './forbidden-fields';
import { installJsonBodyParser } from './json-body';
import { buildOpenApiDocument } from './openapi';
import { installPositionBounds } from './positions';
import { recordRequestMetrics } from './request-metrics';
import { strictValidationPipe } from './validation';

/** Largest body accepted: a batch of 1,000 usage records fits many times over. */
export const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

/** Builds the HTTP application (not yet listening). Shared by main.ts and the e2e tests. */
export async function createLedgerApp(
  config: LedgerConfig = loadLedgerConfig(),
): Promise<NestFastifyApplication> {
  // maxParamLength: API.md ids are up to 128 chars (Fastify's default of 100 answered 414).
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 256 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forConfig(config), adapter, {
    bufferLogs: true,
    // Our own JSON parser (depth-limited, see json-body.ts) replaces the one Nest would register.
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(strictValidationPipe());
  app.useGlobalFilters(new LedgerErrorFilter(app.getHttpAdapter()));
  app.enableShutdownHooks();
  const fastify = app.getHttpAdapter().getInstance();
  installJsonBodyParser(fastify);
  installForbiddenQueryFields(fastify);
  const ring = app.get(ApiKeyRing);
  const carriesKey = (request: FastifyRequest): boolean => {
    const key = bearerKeyOf(request.headers.authorization);
    return key !== undefined && ring.authenticate(key) !== undefined;
  };
  installPositionBounds(fastify, carriesKey);
  recordRequestMetrics(fastify, app.get(LedgerMetrics));
  installMinPosition(fastify, app.get(LedgerReadSide), carriesKey);
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
  return app;
}
