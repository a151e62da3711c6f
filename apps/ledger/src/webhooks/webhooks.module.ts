import { Module } from '@nestjs/common';
import { DispatchLeaseService } from './dispatch-lease.service';
import { WebhookCommandsService } from './webhook-commands.service';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookMetrics } from './webhook-metrics';
import { WebhooksController } from './webhooks.controller';

/** SPEC §8 webhooks: subscriptions, delivery state and the delivery log, and the one dispatcher per deployment. */
@Module({
  controllers: [WebhooksController],
  providers: [WebhookCommandsService, DispatchLeaseService, WebhookMetrics, WebhookDispatcher],
  exports: [WebhookDispatcher],
})
export class WebhooksModule {}
