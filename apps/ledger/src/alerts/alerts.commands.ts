import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AccountEvent } from '@ledger/domain';
import { AccountCommandsService, type AccountCommandInput } from '../core/account-commands.service';
import type { CommandOutcome } from '../core/command-outcome';

/** SetAlerts, SetAutoTopUp and RecordTopUpFailure: each already the domain command's data, all on the account stream. */
export class AlertsCommand {
  constructor(
    readonly input: Extract<
      AccountCommandInput,
      { type: 'SetAlerts' | 'SetAutoTopUp' | 'RecordTopUpFailure' }
    >,
    readonly actor: string,
  ) {}
}

@CommandHandler(AlertsCommand)
export class AlertsCommandHandler implements ICommandHandler<AlertsCommand, CommandOutcome<AccountEvent>> {
  constructor(private readonly accounts: AccountCommandsService) {}

  execute({ input, actor }: AlertsCommand): Promise<CommandOutcome<AccountEvent>> {
    return this.accounts.execute(input, actor);
  }
}
