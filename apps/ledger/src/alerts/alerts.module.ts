import { Module } from '@nestjs/common';
import { AlertsCommandHandler } from './alerts.commands';
import { AlertsController } from './alerts.controller';
import { NotificationsController } from './notifications.controller';

/** Alert settings, auto top-up and top-up failures (commands on the account stream), and the notifications read model's query (SPEC §8). */
@Module({ controllers: [AlertsController, NotificationsController], providers: [AlertsCommandHandler] })
export class AlertsModule {}
