import { BadRequestException, Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountEvent, LimitsReset } from '@ledger/domain';
import type { FastifyReply } from 'fastify';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import type { CommandOutcome } from '../core/command-outcome';
import { lastEvent, respond } from '../http/command-response';
import { ApiAnsweredOrReplayed, ApiErrors } from '../http/openapi';
import { invalidRequest } from '../http/validation';
import { RESET_ANSWER_SCHEMA } from './reset-limits.responses';
import { ResetLimitsCommand } from './reset-limits.command';
import { ResetLimitsDto } from './reset-limits.dto';

export interface ResetBody {
  readonly resetId: string;
  readonly scope: 'all' | 'plan' | 'account';
  readonly plan: string | null;
  readonly accountId: string | null;
  readonly product: string | null;
  readonly reason: string;
  readonly resetAt: string;
  readonly position: string;
}

@ApiTags('limits')
@Controller('v1/limits')
export class LimitsController {
  constructor(private readonly commands: CommandBus) {}

  @Post('resets')
  @Roles('admin')
  @ApiBody({
    type: ResetLimitsDto,
    examples: {
      example: {
        value: {
          resetId: 'reset-1',
          scope: 'account',
          accountId: 'acct-1',
          product: 'codex',
          reason: 'rate limits reset for launch',
        },
      },
    },
  })
  @ApiAnsweredOrReplayed('Reset', RESET_ANSWER_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({
    summary: 'Reset allowance windows for everyone, one plan or one account (201; 200 replay)',
  })
  async reset(
    @Body() dto: ResetLimitsDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ResetBody> {
    const misplaced = [
      dto.scope !== 'plan' && dto.plan !== undefined
        ? { field: 'plan', message: 'plan is only allowed when scope is "plan"' }
        : null,
      dto.scope !== 'account' && dto.accountId !== undefined
        ? { field: 'accountId', message: 'accountId is only allowed when scope is "account"' }
        : null,
    ].filter((f) => f !== null);
    if (misplaced.length > 0) throw invalidRequest(misplaced);
    const outcome = await this.commands.execute<
      ResetLimitsCommand,
      CommandOutcome<AccountEvent | LimitsReset>
    >(new ResetLimitsCommand(dto, actor));
    return respond(reply, outcome, { body: (events) => resetBody(lastEvent(events)) });
  }
}

function resetBody({ event, position }: { event: AccountEvent | LimitsReset; position: bigint }): ResetBody {
  if (event.type === 'LimitsReset') {
    const d = event.data;
    return {
      resetId: d.resetId,
      scope: d.scope,
      plan: d.plan,
      accountId: null,
      product: d.product,
      reason: d.reason,
      resetAt: d.resetAt,
      position: position.toString(),
    };
  }
  if (event.type === 'AccountLimitsReset') {
    const d = event.data;
    return {
      resetId: d.resetId,
      scope: 'account',
      plan: null,
      accountId: d.accountId,
      product: d.product,
      reason: d.reason,
      resetAt: d.recordedAt,
      position: position.toString(),
    };
  }
  throw new BadRequestException(`unexpected event ${event.type} for a reset`);
}
