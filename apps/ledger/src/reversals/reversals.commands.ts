import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  reversalOutcomeOf,
  type AccountEvent,
  type ReversalOutcome,
  type UsageReversed,
} from '@ledger/domain';
import { AccountCommandsService } from '../core/account-commands.service';
import type { CommandOutcome, PositionedEvent } from '../core/command-outcome';
import { lastEvent } from '../http/command-response';
import { AccountOf } from '../holds/account-of';
import type { ReverseUsageDto } from './reversals.dto';

export type PositionedReversal = ReversalOutcome & { readonly position: string };

export class ReverseUsageCommand {
  constructor(
    readonly usageId: string,
    readonly reversal: ReverseUsageDto,
    readonly actor: string,
  ) {}
}

export function reversalBody(events: readonly PositionedEvent<AccountEvent>[]): PositionedReversal {
  const { event, position } = lastEvent(events);
  if (event.type !== 'UsageReversed') throw new Error(`expected UsageReversed, the outcome is ${event.type}`);
  return { ...reversalOutcomeOf(event as UsageReversed), position: position.toString() };
}

/** The reversal names only the usage: its account is the one whose stream recorded it (read side). */
@CommandHandler(ReverseUsageCommand)
export class ReverseUsageHandler implements ICommandHandler<
  ReverseUsageCommand,
  CommandOutcome<AccountEvent>
> {
  constructor(
    private readonly accounts: AccountCommandsService,
    private readonly accountOf: AccountOf,
  ) {}

  async execute({ usageId, reversal, actor }: ReverseUsageCommand): Promise<CommandOutcome<AccountEvent>> {
    const accountId = await this.accountOf.usage(usageId);
    return this.accounts.execute(
      {
        type: 'ReverseUsage',
        data: { reversalId: reversal.reversalId, accountId, usageId, reason: reversal.reason },
      },
      actor,
    );
  }
}
