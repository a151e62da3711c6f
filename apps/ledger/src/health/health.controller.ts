import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/roles.decorator';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { EVENT_STORE } from '../store/store.tokens';
import type { EventStore } from '@ledger/event-store';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: LedgerMetrics,
  ) {}

  @Public()
  @Get('health')
  @ApiOkResponse({ description: 'The process is up and its event store answers.' })
  async health(): Promise<{ status: 'ok'; position: string }> {
    const position = await this.store.headPosition();
    return { status: 'ok', position: position.toString() };
  }

  @Public()
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiExcludeEndpoint()
  metricsText(): Promise<string> {
    return this.metrics.render();
  }
}
