import { Module } from '@nestjs/common';
import { AccountOf } from './account-of';
import { PlaceHoldHandler, ReleaseHoldHandler, SettleHoldHandler } from './holds.commands';
import { HoldsController } from './holds.controller';

@Module({
  controllers: [HoldsController],
  providers: [AccountOf, PlaceHoldHandler, SettleHoldHandler, ReleaseHoldHandler],
  exports: [AccountOf],
})
export class HoldsModule {}
