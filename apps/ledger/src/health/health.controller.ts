import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@ledger/event-store';
import { LedgerReadSide } from '@ledger/projections';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/roles.decorator';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { EVENT_STORE } from '../store/store.tokens';
import { readSideHealth, type ReadSideHealth } from './read-side-health';

export interface HealthAnswer {
  readonly status: 'ok' | 'degraded';
  /** The head of the log. */
  readonly position: string;
  readonly readSide: ReadSideHealth;
}

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly readSide: LedgerReadSide,
    private readonly metrics: LedgerMetrics,
  ) {}

  /**
   * SPEC §10: a read side that does not follow the log is never "ok": 503 with each projection
   * stopped, where, why, and when it tries again (it heals by itself when the cause is gone).
   */
  @Public()
  @Get('health')
  @ApiOkResponse({ description: 'The event store answers and every read model follows the log.' })
  @ApiServiceUnavailableResponse({
    description:
      'Degraded: a read model is stopped (a read-model file it cannot write, a log it cannot read), or a stream is quarantined in one (an event it cannot apply); `readSide.failures` names each projection, stream, position and reason, `readSide.quarantined` the quarantined streams.',
  })
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthAnswer> {
    const head = await this.store.headPosition();
    const readSide = readSideHealth(this.readSide.runner.status());
    if (readSide.status !== 'ok') reply.status(503);
    return { status: readSide.status, position: head.toString(), readSide };
  }

  @Public()
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiExcludeEndpoint()
  metricsText(): Promise<string> {
    return this.metrics.render();
  }
}
