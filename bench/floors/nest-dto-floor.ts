import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { installJsonBodyParser } from '../../apps/ledger/src/http/json-body';
import { strictValidationPipe } from '../../apps/ledger/src/http/validation';
import { RecordUsageDto } from '../../apps/ledger/src/usage/usage.dto';

@Controller()
class UsageFloorController {
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }

  @Post('v1/usage')
  @HttpCode(201)
  record(@Body() body: RecordUsageDto): { usageId: string; accountId: string; status: string } {
    return { usageId: body.usageId, accountId: body.accountId, status: 'recorded' };
  }
}

@Module({ controllers: [UsageFloorController] })
class UsageFloorModule {}

/**
 * Floor (c): NestJS on Fastify with the ledger's own edge for this route — its JSON body parser,
 * its RecordUsageDto (class-validator) and its strict ValidationPipe (class-transformer) — on the
 * valid path, with no authentication, no command and no read side behind it.
 */
export async function startNestDtoFloor(port: number, host: string): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    UsageFloorModule,
    new FastifyAdapter({ bodyLimit: 2 * 1024 * 1024 }),
    { bodyParser: false, logger: ['error'] },
  );
  app.useGlobalPipes(strictValidationPipe());
  installJsonBodyParser(app.getHttpAdapter().getInstance());
  app.enableShutdownHooks();
  await app.listen(port, host);
}
