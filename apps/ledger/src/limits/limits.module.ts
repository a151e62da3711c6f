import { Module } from '@nestjs/common';
import { LimitsController } from './limits.controller';
import { ResetLimitsHandler } from './reset-limits.command';

@Module({ controllers: [LimitsController], providers: [ResetLimitsHandler] })
export class LimitsModule {}
