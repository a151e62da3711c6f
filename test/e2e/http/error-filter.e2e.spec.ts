import { Controller, Get, Module } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { TooManyConflictsError } from '@ledger/event-store';
import request from 'supertest';
import { LedgerErrorFilter } from '../../../apps/ledger/src/http/error-filter';

@Controller()
class FailingController {
  @Get('contended')
  contended(): never {
    throw new TooManyConflictsError('account-a1', 8);
  }

  @Get('fault')
  fault(): never {
    throw new Error('a real fault');
  }
}

@Module({ controllers: [FailingController] })
class FailingModule {}

/** LedgerErrorFilter through a real Fastify server: what a client sees for each kind of failure. */
describe('LedgerErrorFilter', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [FailingModule] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new LedgerErrorFilter(app.getHttpAdapter()));
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  it('answers a command that lost every attempt to concurrent writers 503 with Retry-After', async () => {
    const answer = await request(app.getHttpServer()).get('/contended');
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
  });

  it('still answers a real fault 500 without its details', async () => {
    const answer = await request(app.getHttpServer()).get('/fault');
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ statusCode: 500, message: 'Internal server error' });
  });
});
