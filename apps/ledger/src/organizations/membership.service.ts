import { Injectable, NotFoundException } from '@nestjs/common';
import { AccountCommandsService } from '../core/account-commands.service';
import { httpErrorOf } from '../http/command-response';
import { OrganizationCommandsService } from './organization-commands.service';

export interface MemberAnswer {
  readonly organizationId: string;
  readonly accountId: string;
  readonly group: string | null;
  readonly position: string;
}

/**
 * Membership spans two streams: the account's (the authority on "a member of at most one
 * organisation", and on which plan its windows use) and the organisation's (the authority on who
 * may spend from the pool, and in which group). Adding joins the account first, then adds it to the
 * organisation; removing takes it off the organisation first (no new pool spend), then leaves. Each
 * step is idempotent, so a request cut between the two is repaired by sending it again.
 */
@Injectable()
export class MembershipService {
  constructor(
    private readonly accounts: AccountCommandsService,
    private readonly organizations: OrganizationCommandsService,
  ) {}

  async add(
    organizationId: string,
    accountId: string,
    group: string | null,
    actor: string,
  ): Promise<MemberAnswer> {
    const organization = (await this.organizations.load(organizationId)).state;
    const plan = organization.plan;
    if (organization.organizationId === null || plan === null)
      throw new NotFoundException(`organization "${organizationId}" is not open`);
    const joined = await this.accounts.execute(
      {
        type: 'JoinOrganization',
        data: { accountId, organizationId, plan, ...(group === null ? {} : { group }) },
      },
      actor,
    );
    if (joined.kind === 'error') throw httpErrorOf(joined.error);
    const added = await this.organizations.execute(
      { type: 'AddMember', data: { organizationId, accountId, ...(group === null ? {} : { group }) } },
      actor,
    );
    if (added.kind === 'error') throw httpErrorOf(added.error);
    return { organizationId, accountId, group, position: positionOf(added).toString() };
  }

  async remove(organizationId: string, accountId: string, actor: string): Promise<void> {
    const removed = await this.organizations.execute(
      { type: 'RemoveMember', data: { organizationId, accountId } },
      actor,
    );
    // Not a member (any more) is no error: nothing is appended, and the account still leaves below.
    if (removed.kind === 'error') throw httpErrorOf(removed.error);
    const left = await this.accounts.execute(
      { type: 'LeaveOrganization', data: { accountId, organizationId } },
      actor,
    );
    if (left.kind === 'error') throw httpErrorOf(left.error);
  }
}

function positionOf(outcome: {
  kind: string;
  events?: readonly { position: bigint }[];
  position?: bigint;
}): bigint {
  if (outcome.events !== undefined && outcome.events.length > 0)
    return outcome.events[outcome.events.length - 1].position;
  return outcome.position ?? 0n;
}
