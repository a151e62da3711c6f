import { Body, Controller, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountEvent } from '@ledger/domain';
import type { FastifyReply } from 'fastify';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import type { CommandOutcome } from '../core/command-outcome';
import { respond } from '../http/command-response';
import { ApiAnswer, ApiAnsweredOrReplayed, ApiErrors } from '../http/openapi';
import { AccountIdParam } from '../http/params';
import { alertsAnswer, autoTopUpAnswer, topUpFailureAnswer } from './alert-answers';
import { AlertsCommand } from './alerts.commands';
import { SetAlertsDto, SetAutoTopUpDto, TopUpFailureDto, TopUpParams } from './alerts.dto';
import {
  ALERTS_ANSWER_SCHEMA,
  AUTO_TOP_UP_ANSWER_SCHEMA,
  TOP_UP_FAILURE_ANSWER_SCHEMA,
} from './alerts.responses';

@ApiTags('alerts')
@Controller('v1/accounts/:accountId')
export class AlertsController {
  constructor(private readonly commands: CommandBus) {}

  private run(input: AlertsCommand['input'], actor: string): Promise<CommandOutcome<AccountEvent>> {
    return this.commands.execute<AlertsCommand, CommandOutcome<AccountEvent>>(
      new AlertsCommand(input, actor),
    );
  }

  @Put('alerts')
  @Roles('service', 'admin')
  @ApiBody({
    type: SetAlertsDto,
    examples: { example: { value: { creditsBelow: '10', expiringWithinDays: 7 } } },
  })
  @ApiAnswer(200, 'The alert settings now', ALERTS_ANSWER_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 415, 503)
  @ApiOperation({
    summary: 'Set the credits.low threshold and the credits.expiring horizon; null turns each off (200)',
  })
  async setAlerts(
    @Param() { accountId }: AccountIdParam,
    @Body() dto: SetAlertsDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { creditsBelow, expiringWithinDays } = dto;
    const outcome = await this.run(
      { type: 'SetAlerts', data: { accountId, creditsBelow, expiringWithinDays } },
      actor,
    );
    return respond(reply, outcome, alertsAnswer({ accountId }, dto));
  }

  @Put('auto-top-up')
  @Roles('service', 'admin')
  @ApiBody({
    type: SetAutoTopUpDto,
    examples: {
      example: {
        value: { enabled: true, belowCredits: '20', targetCredits: '100', monthlyLimitCredits: '500' },
      },
    },
  })
  @ApiAnswer(
    200,
    'The setting now (and the top-up it requested at once, if the balance is already below)',
    AUTO_TOP_UP_ANSWER_SCHEMA,
  )
  @ApiErrors(400, 401, 403, 404, 415, 503)
  @ApiOperation({
    summary:
      'Set auto top-up: below a threshold, request credits up to a target, within a monthly limit (200)',
  })
  async setAutoTopUp(
    @Param() { accountId }: AccountIdParam,
    @Body() dto: SetAutoTopUpDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { enabled, belowCredits, targetCredits, monthlyLimitCredits } = dto;
    const outcome = await this.run(
      {
        type: 'SetAutoTopUp',
        data: { accountId, enabled, belowCredits, targetCredits, monthlyLimitCredits },
      },
      actor,
    );
    return respond(reply, outcome, autoTopUpAnswer({ accountId }, dto));
  }

  @Post('top-ups/:topUpId/failure')
  @Roles('service')
  @ApiBody({ type: TopUpFailureDto, examples: { example: { value: { reason: 'card declined' } } } })
  @ApiAnsweredOrReplayed(
    'Recorded: the request is closed; the next command below the threshold asks again',
    TOP_UP_FAILURE_ANSWER_SCHEMA,
  )
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({
    summary:
      'The payment side could not fulfil a top-up (201; 200 replay; 409 when it is not the outstanding request); the third failure in a row turns auto top-up off',
  })
  async topUpFailure(
    @Param() { accountId, topUpId }: TopUpParams,
    @Body() dto: TopUpFailureDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.run(
      { type: 'RecordTopUpFailure', data: { accountId, topUpId, reason: dto.reason } },
      actor,
    );
    return respond(reply, outcome, topUpFailureAnswer({ accountId }));
  }
}
