import { Module } from '@nestjs/common';
import { RecordUsageBatchHandler, RecordUsageHandler } from './usage.commands';
import { UsageController } from './usage.controller';

@Module({ controllers: [UsageController], providers: [RecordUsageHandler, RecordUsageBatchHandler] })
export class UsageModule {}
