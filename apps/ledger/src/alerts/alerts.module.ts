import { Module } from '@nestjs/common';
import { AlertsCommandHandler } from './alerts.commands';
import { AlertsController } from './alerts.controller';

/** Alert settings, auto top-up and top-up failures (SPEC §8): commands on the account stream. */
@Module({ controllers: [AlertsController], providers: [AlertsCommandHandler] })
export class AlertsModule {}
