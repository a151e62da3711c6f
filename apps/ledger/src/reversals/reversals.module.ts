import { Module } from '@nestjs/common';
import { HoldsModule } from '../holds/holds.module';
import { ReverseUsageHandler } from './reversals.commands';
import { ReversalsController } from './reversals.controller';

@Module({ imports: [HoldsModule], controllers: [ReversalsController], providers: [ReverseUsageHandler] })
export class ReversalsModule {}
