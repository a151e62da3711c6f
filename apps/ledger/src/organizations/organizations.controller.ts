import { Body, Controller, Delete, HttpCode, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { formatCredits, parseCredits, type OrganizationEvent } from '@ledger/domain';
import type { FastifyReply } from 'fastify';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import type { PositionedEvent } from '../core/command-outcome';
import { GrantCreditsDto, PurchaseCreditsDto } from '../credits/credits.dto';
import { lastEvent, respond } from '../http/command-response';
import { ApiAnswer, ApiAnsweredOrReplayed, ApiErrors } from '../http/openapi';
import type { OrganizationOutcome } from './organization-commands.service';
import { MembershipCommand, OrganizationCommand, type MembershipOutcome } from './organizations.commands';
import {
  AddMemberDto,
  CreditRequestParams,
  DecideCreditRequestDto,
  GroupParams,
  MemberParams,
  OpenOrganizationDto,
  OrganizationIdParam,
  RequestCreditsDto,
  SpendLimitDto,
} from './organizations.dto';
import {
  CREDIT_REQUEST_SCHEMA,
  MEMBER_SCHEMA,
  ORGANIZATION_OPENED_SCHEMA,
  POOL_CREDITS_SCHEMA,
  SPEND_LIMIT_SCHEMA,
} from './organizations.responses';

/** The event's facts minus internal bookkeeping (fingerprint, stamp's rate card), plus its position. */
function factsOf(events: readonly PositionedEvent<OrganizationEvent>[]): Record<string, unknown> {
  const { event, position } = lastEvent(events);
  const { fingerprint: _fingerprint, ...facts } = event.data as Record<string, unknown>;
  return { ...facts, position: position.toString() };
}

function requestStatusOf(events: readonly PositionedEvent<OrganizationEvent>[]) {
  const { event, position } = lastEvent(events);
  const status =
    event.type === 'CreditRequestApproved'
      ? 'approved'
      : event.type === 'CreditRequestDeclined'
        ? 'declined'
        : 'pending';
  const { requestId } = event.data as { requestId: string };
  return { requestId, status, position: position.toString() };
}

/**
 * Organisations (SPEC §7): the pool, members, spend limits and credit requests. Every write goes
 * to the organisation's stream; membership also to the member's account stream (MembershipService).
 * The reads (view, journal, timeline) are in organization-views/.
 */
@ApiTags('organizations')
@Controller('v1/organizations')
export class OrganizationsController {
  constructor(private readonly commands: CommandBus) {}

  private run(input: OrganizationCommand['input'], actor: string): Promise<OrganizationOutcome> {
    return this.commands.execute<OrganizationCommand, OrganizationOutcome>(
      new OrganizationCommand(input, actor),
    );
  }

  @Post()
  @Roles('service', 'admin')
  @ApiBody({
    type: OpenOrganizationDto,
    examples: { example: { value: { organizationId: 'org-1', plan: 'business', name: 'Acme Inc.' } } },
  })
  @ApiAnsweredOrReplayed('Opened', ORGANIZATION_OPENED_SCHEMA)
  @ApiErrors(400, 401, 403, 409, 415, 503)
  @ApiOperation({ summary: 'Open an organisation with a pool (201; 200 replay; 409 open with another plan)' })
  async open(
    @Body() dto: OpenOrganizationDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.run({ type: 'OpenOrganization', data: { ...dto } }, actor);
    return respond(reply, outcome, { body: factsOf });
  }

  @Put(':orgId/members/:accountId')
  @Roles('service', 'admin')
  @ApiBody({ type: AddMemberDto, examples: { example: { value: { group: 'engineering' } } } })
  @ApiAnswer(200, 'A member (again, or in another group)', MEMBER_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({
    summary:
      'Add a member or move it to another group (200; 404 unknown account or organisation; 409 a member of another organisation)',
  })
  async addMember(
    @Param() { orgId, accountId }: MemberParams,
    @Body() dto: AddMemberDto,
    @Actor() actor: string,
  ) {
    const outcome = await this.commands.execute<MembershipCommand, MembershipOutcome>(
      new MembershipCommand('add', orgId, accountId, dto.group ?? null, actor),
    );
    return outcome;
  }

  @Delete(':orgId/members/:accountId')
  @Roles('service', 'admin')
  @HttpCode(204)
  @ApiResponse({ status: 204, description: 'Not a member of the organisation (any more)' })
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({
    summary: 'Remove a member: its own plan and credits apply again (204, also when no longer a member)',
  })
  async removeMember(@Param() { orgId, accountId }: MemberParams, @Actor() actor: string): Promise<void> {
    await this.commands.execute<MembershipCommand, MembershipOutcome>(
      new MembershipCommand('remove', orgId, accountId, null, actor),
    );
  }

  @Post(':orgId/credits/purchases')
  @Roles('service')
  @ApiBody({
    type: PurchaseCreditsDto,
    examples: {
      example: {
        value: { purchaseId: 'op-1', credits: '1000', amountPaid: { amountMinor: 40000, currency: 'USD' } },
      },
    },
  })
  @ApiAnsweredOrReplayed('Bought into the pool', POOL_CREDITS_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({ summary: 'Credits bought into the organisation’s pool (201; 200 replay)' })
  async purchase(
    @Param() { orgId }: OrganizationIdParam,
    @Body() dto: PurchaseCreditsDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.run(
      {
        type: 'PurchaseOrgCredits',
        data: { ...dto, amountPaid: { ...dto.amountPaid }, organizationId: orgId },
      },
      actor,
    );
    return respond(reply, outcome, { body: factsOf });
  }

  @Post(':orgId/credits/grants')
  @Roles('admin')
  @ApiBody({
    type: GrantCreditsDto,
    examples: { example: { value: { grantId: 'og-1', credits: '100', reason: 'pilot' } } },
  })
  @ApiAnsweredOrReplayed('Granted into the pool', POOL_CREDITS_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({ summary: 'Promotional credits granted into the pool (201; 200 replay)' })
  async grant(
    @Param() { orgId }: OrganizationIdParam,
    @Body() dto: GrantCreditsDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.run(
      { type: 'GrantOrgCredits', data: { ...dto, organizationId: orgId } },
      actor,
    );
    return respond(reply, outcome, { body: factsOf });
  }

  @Put(':orgId/spend-limits/default')
  @Roles('service', 'admin')
  @ApiBody({ type: SpendLimitDto, examples: { example: { value: { creditsPerMonth: '100' } } } })
  @ApiAnswer(200, 'The limit now', SPEND_LIMIT_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 415, 503)
  @ApiOperation({ summary: 'Set or clear (null) the organisation’s default monthly limit per member (200)' })
  setDefaultLimit(
    @Param() { orgId }: OrganizationIdParam,
    @Body() dto: SpendLimitDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.setLimit(orgId, 'default', null, dto, actor, reply);
  }

  @Put(':orgId/spend-limits/groups/:group')
  @Roles('service', 'admin')
  @ApiBody({ type: SpendLimitDto, examples: { example: { value: { creditsPerMonth: '100' } } } })
  @ApiAnswer(200, 'The limit now', SPEND_LIMIT_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 415, 503)
  @ApiOperation({ summary: 'Set or clear (null) a group’s monthly limit per member (200)' })
  setGroupLimit(
    @Param() { orgId, group }: GroupParams,
    @Body() dto: SpendLimitDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.setLimit(orgId, 'group', group, dto, actor, reply);
  }

  @Put(':orgId/spend-limits/members/:accountId')
  @Roles('service', 'admin')
  @ApiBody({ type: SpendLimitDto, examples: { example: { value: { creditsPerMonth: '100' } } } })
  @ApiAnswer(200, 'The limit now', SPEND_LIMIT_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 415, 503)
  @ApiOperation({ summary: 'Set or clear (null) one member’s monthly limit (200)' })
  setMemberLimit(
    @Param() { orgId, accountId }: MemberParams,
    @Body() dto: SpendLimitDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.setLimit(orgId, 'member', accountId, dto, actor, reply);
  }

  private async setLimit(
    organizationId: string,
    level: 'default' | 'group' | 'member',
    key: string | null,
    dto: SpendLimitDto,
    actor: string,
    reply: FastifyReply,
  ) {
    const outcome = await this.run(
      {
        type: 'SetSpendLimit',
        data: {
          organizationId,
          level,
          ...(key === null ? {} : { key }),
          creditsPerMonth: dto.creditsPerMonth,
        },
      },
      actor,
    );
    return respond(reply, outcome, {
      body: (events) => {
        const facts = factsOf(events);
        return {
          organizationId,
          level,
          key,
          creditsPerMonth: facts.creditsPerMonth ?? null,
          position: facts.position,
        };
      },
      created: () => 200,
      unchanged: (position) => ({
        organizationId,
        level,
        key,
        creditsPerMonth: dto.creditsPerMonth === null ? null : canonicalCredits(dto.creditsPerMonth),
        position: position.toString(),
      }),
    });
  }

  @Post(':orgId/credit-requests')
  @Roles('service')
  @ApiBody({
    type: RequestCreditsDto,
    examples: {
      example: { value: { requestId: 'cr-1', accountId: 'acct-1', credits: '50', note: 'release week' } },
    },
  })
  @ApiAnsweredOrReplayed('Recorded, pending a decision', CREDIT_REQUEST_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({ summary: 'A member asks for more credits this month (201 pending; 200 replay)' })
  async requestCredits(
    @Param() { orgId }: OrganizationIdParam,
    @Body() dto: RequestCreditsDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.run(
      { type: 'RequestCredits', data: { ...dto, organizationId: orgId } },
      actor,
    );
    return respond(reply, outcome, { body: requestStatusOf });
  }

  @Post(':orgId/credit-requests/:requestId/decision')
  @Roles('admin')
  @HttpCode(200)
  @ApiBody({ type: DecideCreditRequestDto, examples: { example: { value: { approve: true, note: 'ok' } } } })
  @ApiAnsweredOrReplayed('Decided', CREDIT_REQUEST_SCHEMA, 200)
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({
    summary:
      'Approve (raises the member’s limit for this UTC month) or decline a request (200; 409 decided otherwise already)',
  })
  async decide(
    @Param() { orgId, requestId }: CreditRequestParams,
    @Body() dto: DecideCreditRequestDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.run(
      { type: 'DecideCreditRequest', data: { ...dto, requestId, organizationId: orgId } },
      actor,
    );
    return respond(reply, outcome, { body: requestStatusOf, created: () => 200 });
  }
}

/** A valid amount in its canonical spelling (the DTO has checked it already). */
function canonicalCredits(credits: string): string {
  return formatCredits(parseCredits(credits, { max: null }) ?? 0n);
}
