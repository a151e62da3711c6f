import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { MembershipService, type MemberAnswer } from './membership.service';
import {
  OrganizationCommandsService,
  type OrganizationCommandInput,
  type OrganizationOutcome,
} from './organization-commands.service';

/** The organisation stream's own commands (open, pool credits, limits, credit requests). */
export class OrganizationCommand {
  constructor(
    readonly input: Extract<
      OrganizationCommandInput,
      {
        type:
          | 'OpenOrganization'
          | 'PurchaseOrgCredits'
          | 'GrantOrgCredits'
          | 'SetSpendLimit'
          | 'SetOrgAlerts'
          | 'SetOrgAutoTopUp'
          | 'RecordOrgTopUpFailure'
          | 'RequestCredits'
          | 'DecideCreditRequest';
      }
    >,
    readonly actor: string,
  ) {}
}

/** Membership: on the account's stream and on the organisation's (MembershipService). */
export class MembershipCommand {
  constructor(
    readonly action: 'add' | 'remove',
    readonly organizationId: string,
    readonly accountId: string,
    readonly group: string | null,
    readonly actor: string,
  ) {}
}

export type MembershipOutcome = MemberAnswer | undefined;

@CommandHandler(OrganizationCommand)
export class OrganizationCommandHandler implements ICommandHandler<OrganizationCommand, OrganizationOutcome> {
  constructor(private readonly organizations: OrganizationCommandsService) {}

  execute({ input, actor }: OrganizationCommand): Promise<OrganizationOutcome> {
    return this.organizations.execute(input, actor);
  }
}

@CommandHandler(MembershipCommand)
export class MembershipCommandHandler implements ICommandHandler<MembershipCommand, MembershipOutcome> {
  constructor(private readonly membership: MembershipService) {}

  async execute({
    action,
    organizationId,
    accountId,
    group,
    actor,
  }: MembershipCommand): Promise<MembershipOutcome> {
    if (action === 'add') return this.membership.add(organizationId, accountId, group, actor);
    await this.membership.remove(organizationId, accountId, actor);
    return undefined;
  }
}
