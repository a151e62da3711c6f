import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AccountEvent } from '@ledger/domain';
import { AccountCommandsService, type AccountCommandInput } from '../core/account-commands.service';
import type { CommandOutcome } from '../core/command-outcome';

/**
 * The credit commands (purchase, promotional grant, refund, spending cap) go through one handler:
 * each is already the domain command's data, and all of them run on the account stream.
 */
export class CreditsCommand {
  constructor(
    readonly input: Extract<
      AccountCommandInput,
      { type: 'PurchaseCredits' | 'GrantCredits' | 'RefundPurchase' | 'SetSpendingCap' }
    >,
    readonly actor: string,
  ) {}
}

@CommandHandler(CreditsCommand)
export class CreditsCommandHandler implements ICommandHandler<CreditsCommand, CommandOutcome<AccountEvent>> {
  constructor(private readonly accounts: AccountCommandsService) {}

  execute({ input, actor }: CreditsCommand): Promise<CommandOutcome<AccountEvent>> {
    return this.accounts.execute(input, actor);
  }
}
