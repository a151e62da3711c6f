import { Module } from '@nestjs/common';
import { WebhookCommandsService } from './webhook-commands.service';
import { WebhooksController } from './webhooks.controller';

/** SPEC §8 webhooks: subscriptions, delivery state and the delivery log, and the one dispatcher per deployment. */
@Module({ controllers: [WebhooksController], providers: [WebhookCommandsService] })
export class WebhooksModule {}
