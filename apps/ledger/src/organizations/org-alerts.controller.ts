import { Body, Controller, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdField } from '../http/fields';
import {
  formatCredits,
  parseCredits,
  type AlertsSet,
  type AutoTopUpSet,
  type OrganizationEvent,
  type OrganizationStamp,
  type TopUpFailed,
} from '@ledger/domain';
import type { PositionedEvent } from '../core/command-outcome';
import type { FastifyReply } from 'fastify';
import { SetAlertsDto, SetAutoTopUpDto, TopUpFailureDto } from '../alerts/alerts.dto';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import { lastEvent, respond } from '../http/command-response';
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

function eventOf<E extends OrganizationEvent>(
  events: readonly PositionedEvent<OrganizationEvent>[],
  type: E['type'],
) {
  const found = events.find((e) => e.event.type === type);
  return found === undefined ? undefined : { event: found.event as E, position: found.position };
}

/** A valid amount in its canonical spelling (the DTO has checked it already). */
const canonical = (credits: string): string => formatCredits(parseCredits(credits, { max: null }) ?? 0n);

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
    return respond(reply, outcome, {
      body: (events) => {
        const { event, position } = lastEvent(events);
        const d = (event as AlertsSet<OrganizationStamp>).data;
        return {
          organizationId: orgId,
          creditsBelow: d.creditsBelow,
          expiringWithinDays: d.expiringWithinDays,
          position: position.toString(),
        };
      },
      created: () => 200,
      unchanged: (position) => ({
        organizationId: orgId,
        creditsBelow: creditsBelow === null ? null : canonical(creditsBelow),
        expiringWithinDays,
        position: position.toString(),
      }),
    });
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
    return respond(reply, outcome, {
      body: (events) => {
        const { event, position } = lastEvent(events);
        const d = (event as AutoTopUpSet<OrganizationStamp>).data;
        const requested = eventOf<Extract<OrganizationEvent, { type: 'TopUpRequested' }>>(
          events,
          'TopUpRequested',
        );
        return {
          organizationId: orgId,
          enabled: d.enabled,
          belowCredits: d.belowCredits,
          targetCredits: d.targetCredits,
          monthlyLimitCredits: d.monthlyLimitCredits,
          topUpRequested:
            requested === undefined
              ? null
              : { topUpId: requested.event.data.topUpId, credits: requested.event.data.credits },
          position: (requested?.position ?? position).toString(),
        };
      },
      created: () => 200,
      unchanged: (position) => ({
        organizationId: orgId,
        enabled,
        belowCredits: canonical(belowCredits),
        targetCredits: canonical(targetCredits),
        monthlyLimitCredits: canonical(monthlyLimitCredits),
        topUpRequested: null,
        position: position.toString(),
      }),
    });
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
    return respond(reply, outcome, {
      body: (events) => {
        const failed = eventOf<TopUpFailed<OrganizationStamp>>(events, 'TopUpFailed');
        if (failed === undefined) throw new Error('a top-up failure outcome without TopUpFailed');
        const d = failed.event.data;
        return {
          organizationId: orgId,
          topUpId: d.topUpId,
          reason: d.reason,
          credits: d.credits,
          failuresInARow: d.failuresInARow,
          autoTopUpTurnedOff: d.turnsAutoTopUpOff,
          recordedAt: d.recordedAt,
          position: failed.position.toString(),
        };
      },
    });
  }
}
