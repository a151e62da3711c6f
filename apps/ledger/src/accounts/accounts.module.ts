import { Module } from '@nestjs/common';
import { ChangePlanHandler, OpenAccountHandler } from './account.commands';
import { GetAccountHandler, GetEntitlementHandler } from './account.queries';
import { AccountsController } from './accounts.controller';

@Module({
  controllers: [AccountsController],
  providers: [OpenAccountHandler, ChangePlanHandler, GetAccountHandler, GetEntitlementHandler],
})
export class AccountsModule {}
