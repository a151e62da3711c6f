import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AccountEvent, LimitsReset } from '@ledger/domain';
import { AccountCommandsService } from '../core/account-commands.service';
import type { CommandOutcome } from '../core/command-outcome';
import { LimitsResetsService } from '../core/limits-resets.service';
import type { ResetLimitsDto } from './reset-limits.dto';

export class ResetLimitsCommand {
  constructor(
    readonly reset: ResetLimitsDto,
    readonly actor: string,
  ) {}
}

/**
 * Scope all/plan: one event on the global `limits-resets` stream, O(1) however many accounts there
 * are. Scope account: one event on that account's stream.
 */
@CommandHandler(ResetLimitsCommand)
export class ResetLimitsHandler implements ICommandHandler<
  ResetLimitsCommand,
  CommandOutcome<AccountEvent | LimitsReset>
> {
  constructor(
    private readonly resets: LimitsResetsService,
    private readonly accounts: AccountCommandsService,
  ) {}

  execute({ reset, actor }: ResetLimitsCommand): Promise<CommandOutcome<AccountEvent | LimitsReset>> {
    const { resetId, scope, plan, accountId, product, reason } = reset;
    if (scope === 'account') {
      return this.accounts.execute(
        { type: 'ResetAccountLimits', data: { resetId, accountId: accountId as string, product, reason } },
        actor,
      );
    }
    return this.resets.execute({ data: { resetId, scope, plan, product, reason } }, actor);
  }
}
