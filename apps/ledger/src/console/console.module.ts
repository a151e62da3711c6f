import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { defaultConsoleDir, loadConsoleAssets } from './console-assets';
import { ConsoleController } from './console.controller';
import { CONSOLE_ASSETS } from './console.tokens';

/**
 * The web console (SPEC §9) at /console: the page built from apps/console, and the one call it needs
 * beyond the public API (which roles the typed-in key has). `LEDGER_CONSOLE_DIR` points at another build.
 */
@Module({
  controllers: [ConsoleController],
  providers: [
    {
      provide: CONSOLE_ASSETS,
      useFactory: () => loadConsoleAssets(process.env.LEDGER_CONSOLE_DIR ?? defaultConsoleDir()),
    },
  ],
})
export class ConsoleModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** `/console/` as typed by hand: Nest cannot route a trailing slash apart from `/console`, Fastify can. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.get('/console/', (_request, reply) => reply.redirect('/console', 301));
  }
}
