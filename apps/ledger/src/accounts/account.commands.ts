import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AccountEvent } from '@ledger/domain';
import { AccountCommandsService } from '../core/account-commands.service';
import type { CommandOutcome } from '../core/command-outcome';

export class OpenAccountCommand {
  constructor(
    readonly accountId: string,
    readonly plan: string,
    readonly actor: string,
  ) {}
}

export class ChangePlanCommand {
  constructor(
    readonly accountId: string,
    readonly plan: string,
    readonly actor: string,
  ) {}
}

@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand, CommandOutcome<AccountEvent>> {
  constructor(private readonly accounts: AccountCommandsService) {}

  execute({ accountId, plan, actor }: OpenAccountCommand): Promise<CommandOutcome<AccountEvent>> {
    return this.accounts.execute({ type: 'OpenAccount', data: { accountId, plan } }, actor);
  }
}

@CommandHandler(ChangePlanCommand)
export class ChangePlanHandler implements ICommandHandler<ChangePlanCommand, CommandOutcome<AccountEvent>> {
  constructor(private readonly accounts: AccountCommandsService) {}

  execute({ accountId, plan, actor }: ChangePlanCommand): Promise<CommandOutcome<AccountEvent>> {
    return this.accounts.execute({ type: 'ChangePlan', data: { accountId, plan } }, actor);
  }
}
