import { Body, Controller, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountEvent, AccountView, Entitlement } from '@ledger/domain';
import type { FastifyReply } from 'fastify';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import type { CommandOutcome } from '../core/command-outcome';
import { lastEvent, respond } from '../http/command-response';
import { ApiAnswer, ApiAnsweredOrReplayed, ApiErrors } from '../http/openapi';
import { AccountIdParam } from '../http/params';
import { ACCOUNT_ANSWER_SCHEMA, ACCOUNT_VIEW_SCHEMA, PLAN_CHANGE_SCHEMA } from './account.responses';
import { ENTITLEMENT_SCHEMA } from '../usage/usage.responses';
import { ChangePlanCommand, OpenAccountCommand } from './account.commands';
import { ChangePlanDto, EntitlementQueryDto, OpenAccountDto } from './account.dto';
import { GetAccountQuery, GetEntitlementQuery } from './account.queries';

interface AccountBody {
  readonly accountId: string;
  readonly plan: string;
  readonly recordedAt: string | null;
  readonly position: string;
}

@ApiTags('accounts')
@Controller('v1/accounts')
export class AccountsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('service', 'admin')
  @ApiBody({ type: OpenAccountDto, examples: { example: { value: { accountId: 'acct-1', plan: 'plus' } } } })
  @ApiAnsweredOrReplayed('Opened', ACCOUNT_ANSWER_SCHEMA)
  @ApiErrors(400, 401, 403, 409, 415, 503)
  @ApiOperation({
    summary:
      'Open a billing account on a plan (201; 200 when it is already open on that plan; 409 on another plan)',
  })
  async open(
    @Body() dto: OpenAccountDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountBody> {
    const outcome = await this.commands.execute<OpenAccountCommand, CommandOutcome<AccountEvent>>(
      new OpenAccountCommand(dto.accountId, dto.plan, actor),
    );
    return respond(reply, outcome, { body: (events) => accountBody(lastEvent(events)) });
  }

  @Put(':accountId/plan')
  @Roles('service', 'admin')
  @ApiBody({ type: ChangePlanDto, examples: { example: { value: { plan: 'pro' } } } })
  @ApiAnswer(200, 'The plan now (recordedAt null when it already was)', PLAN_CHANGE_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 415, 503)
  @ApiOperation({ summary: 'Change the plan; its limits apply to the current windows (200)' })
  async changePlan(
    @Param() { accountId }: AccountIdParam,
    @Body() dto: ChangePlanDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AccountBody & { previousPlan: string | null }> {
    const outcome = await this.commands.execute<ChangePlanCommand, CommandOutcome<AccountEvent>>(
      new ChangePlanCommand(accountId, dto.plan, actor),
    );
    return respond(reply, outcome, {
      body: (events) => ({
        ...accountBody(lastEvent(events)),
        previousPlan: planBefore(lastEvent(events).event),
      }),
      created: () => 200,
      unchanged: (position) => ({
        accountId,
        plan: dto.plan,
        previousPlan: dto.plan,
        recordedAt: null,
        position: position.toString(),
      }),
    });
  }

  @Get(':accountId')
  @Roles('service', 'admin', 'finance', 'support')
  @ApiAnswer(200, 'The account', ACCOUNT_VIEW_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({ summary: 'Plan, allowance windows, credit balance and grants, spending cap' })
  get(@Param() { accountId }: AccountIdParam): Promise<AccountView> {
    return this.queries.execute(new GetAccountQuery(accountId));
  }

  @Get(':accountId/entitlements')
  @Roles('service', 'support')
  @ApiAnswer(200, 'What recording this usage now would do', ENTITLEMENT_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({ summary: 'Dry run: what recording this usage now would do. Appends nothing.' })
  entitlements(
    @Param() { accountId }: AccountIdParam,
    @Query() query: EntitlementQueryDto,
  ): Promise<Entitlement> {
    return this.queries.execute(
      new GetEntitlementQuery(accountId, query.product, query.operation, query.quantity),
    );
  }
}

function accountBody({ event, position }: { event: AccountEvent; position: bigint }): AccountBody {
  const data = event.data as { accountId: string; recordedAt: string; plan?: string; to?: string };
  return {
    accountId: data.accountId,
    plan: data.plan ?? data.to ?? '',
    recordedAt: data.recordedAt,
    position: position.toString(),
  };
}

function planBefore(event: AccountEvent): string | null {
  return event.type === 'PlanChanged' ? event.data.from : null;
}
