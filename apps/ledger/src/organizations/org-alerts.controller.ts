import { Body, Controller, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdField } from '../http/fields';
import type { FastifyReply } from 'fastify';
import { alertsAnswer, autoTopUpAnswer, topUpFailureAnswer } from '../alerts/alert-answers';
import { SetAlertsDto, SetAutoTopUpDto, TopUpFailureDto } from '../alerts/alerts.dto';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import { respond } from '../http/command-response';
import { ApiAnswer, ApiAnsweredOrReplayed, ApiErrors, schema } from '../http/openapi';
import type { OrganizationOutcome } from './organization-commands.service';
import { OrganizationCommand } from './organizations.commands';
import { OrganizationIdParam } from './organizations.dto';

const ORG_ALERTS_ANSWER_SCHEMA = schema.object({
  organizationId: schema.string('', 'org-1'),
  creditsBelow: schema.nullable(schema.credits()),
  expiringWithinDays: schema.nullable(schema.integer('days ahead', 7)),
  position: schema.position(),
});

const ORG_AUTO_TOP_UP_ANSWER_SCHEMA = schema.object({
  organizationId: schema.string('', 'org-1'),
  enabled: schema.boolean('auto top-up on'),
  belowCredits: schema.credits(),
  targetCredits: schema.credits(),
  monthlyLimitCredits: schema.credits(),
  topUpRequested: schema.nullable(
    schema.object({ topUpId: schema.string('', 'topup-7'), credits: schema.credits() }),
  ),
  position: schema.position(),
});

const ORG_TOP_UP_FAILURE_ANSWER_SCHEMA = schema.object({
  organizationId: schema.string('', 'org-1'),
  topUpId: schema.string('', 'topup-7'),
  reason: schema.string('', 'card declined'),
  credits: schema.credits(),
  failuresInARow: schema.integer('failures in a row', 1),
  autoTopUpTurnedOff: schema.boolean('this failure turned auto top-up off'),
  recordedAt: schema.time('ledger time'),
  position: schema.position(),
});

export class OrgTopUpParams extends OrganizationIdParam {
  @IdField('The pool’s outstanding top-up request (TopUpRequested.topUpId).', { example: 'topup-7' })
  topUpId!: string;
}

/** The pool's alerts (API.md "Alerts, auto top-up, webhooks", the org variants; SPEC §8). */
@ApiTags('organizations')
@Controller('v1/organizations/:orgId')
export class OrgAlertsController {
  constructor(private readonly commands: CommandBus) {}

  @Put('alerts')
  @Roles('service', 'admin')
  @ApiBody({
    type: SetAlertsDto,
    examples: { example: { value: { creditsBelow: '100', expiringWithinDays: 7 } } },
  })
  @ApiAnswer(200, 'The pool’s alert settings now', ORG_ALERTS_ANSWER_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 415, 503)
  @ApiOperation({
    summary: 'Set the pool’s credits.low threshold and credits.expiring horizon; null turns each off (200)',
  })
  async setAlerts(
    @Param() { orgId }: OrganizationIdParam,
    @Body() dto: SetAlertsDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { creditsBelow, expiringWithinDays } = dto;
    const outcome = await this.commands.execute<OrganizationCommand, OrganizationOutcome>(
      new OrganizationCommand(
        { type: 'SetOrgAlerts', data: { organizationId: orgId, creditsBelow, expiringWithinDays } },
        actor,
      ),
    );
    return respond(reply, outcome, alertsAnswer({ organizationId: orgId }, dto));
  }

  @Put('auto-top-up')
  @Roles('service', 'admin')
  @ApiBody({
    type: SetAutoTopUpDto,
    examples: {
      example: {
        value: { enabled: true, belowCredits: '200', targetCredits: '1000', monthlyLimitCredits: '5000' },
      },
    },
  })
  @ApiAnswer(
    200,
    'The setting now (and the top-up it requested at once, if the pool is already below)',
    ORG_AUTO_TOP_UP_ANSWER_SCHEMA,
  )
  @ApiErrors(400, 401, 403, 404, 415, 503)
  @ApiOperation({
    summary:
      'Set the pool’s auto top-up: below a threshold, request credits up to a target, within a monthly limit (200)',
  })
  async setAutoTopUp(
    @Param() { orgId }: OrganizationIdParam,
    @Body() dto: SetAutoTopUpDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { enabled, belowCredits, targetCredits, monthlyLimitCredits } = dto;
    const outcome = await this.commands.execute<OrganizationCommand, OrganizationOutcome>(
      new OrganizationCommand(
        {
          type: 'SetOrgAutoTopUp',
          data: { organizationId: orgId, enabled, belowCredits, targetCredits, monthlyLimitCredits },
        },
        actor,
      ),
    );
    return respond(reply, outcome, autoTopUpAnswer({ organizationId: orgId }, dto));
  }

  @Post('top-ups/:topUpId/failure')
  @Roles('service')
  @ApiBody({ type: TopUpFailureDto, examples: { example: { value: { reason: 'card declined' } } } })
  @ApiAnsweredOrReplayed(
    'Recorded: the pool’s request is closed; the next command below the threshold asks again',
    ORG_TOP_UP_FAILURE_ANSWER_SCHEMA,
  )
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({
    summary:
      'The payment side could not fulfil the pool’s top-up (201; 200 replay; 409 when it is not the outstanding request); the third failure in a row turns auto top-up off',
  })
  async topUpFailure(
    @Param() { orgId, topUpId }: OrgTopUpParams,
    @Body() dto: TopUpFailureDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.commands.execute<OrganizationCommand, OrganizationOutcome>(
      new OrganizationCommand(
        { type: 'RecordOrgTopUpFailure', data: { organizationId: orgId, topUpId, reason: dto.reason } },
        actor,
      ),
    );
    return respond(reply, outcome, topUpFailureAnswer({ organizationId: orgId }));
  }
}
