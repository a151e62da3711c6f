import {
  isoOf,
  memberPoolOf,
  type AccountEvent,
  type MemberPool,
  type RecordUsageData,
} from '@ledger/domain';
import type {
  AccountCommandInput,
  AccountCommandsService,
} from '../../../apps/ledger/src/core/account-commands.service';
import type { CommandOutcome } from '../../../apps/ledger/src/core/command-outcome';
import type { OrganizationCommandsService } from '../../../apps/ledger/src/organizations/organization-commands.service';

/**
 * The steps of a member usage driven one by one, as a process that dies between them leaves them:
 * a reservation on the pool, the usage recorded with it — and no settlement.
 */
export function memberSteps(
  services: () => {
    organizations: OrganizationCommandsService;
    accounts: AccountCommandsService;
    now: () => number;
  },
) {
  const reservations = new Map<string, MemberPool>();
  return {
    async reserve(organizationId: string, usage: RecordUsageData, holdId: string, credits: string) {
      const outcome = await services().organizations.execute(
        {
          type: 'ReserveMemberSpend',
          data: {
            organizationId,
            accountId: usage.accountId,
            usageId: usage.usageId,
            holdId,
            product: usage.product,
            credits,
            expiresAt: isoOf(services().now() + 10 * 60_000),
          },
        },
        'test',
      );
      if (outcome.kind !== 'appended') throw new Error(`reserve: ${JSON.stringify(outcome)}`);
      const event = outcome.events[outcome.events.length - 1].event;
      if (event.type !== 'MemberSpendReserved') throw new Error(`reserve: ${event.type}`);
      reservations.set(holdId, memberPoolOf(event));
      return event;
    },
    recordWith(
      organizationId: string,
      usage: RecordUsageData,
      holdId: string,
    ): Promise<CommandOutcome<AccountEvent>> {
      const reserved = reservations.get(holdId);
      if (reserved === undefined) throw new Error(`no reservation ${holdId} made by this test`);
      return services().accounts.execute(
        {
          type: 'RecordUsage',
          data: usage,
          pool: reserved,
        } as AccountCommandInput,
        'test',
      );
    },
  };
}
