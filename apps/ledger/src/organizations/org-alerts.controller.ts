import { Body, Controller, Param, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { formatCredits, parseCredits, type AlertsSet, type OrganizationStamp } from '@ledger/domain';
import type { FastifyReply } from 'fastify';
import { SetAlertsDto } from '../alerts/alerts.dto';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import { lastEvent, respond } from '../http/command-response';
import { ApiAnswer, ApiErrors, schema } from '../http/openapi';
import type { OrganizationOutcome } from './organization-commands.service';
import { OrganizationCommand } from './organizations.commands';
import { OrganizationIdParam } from './organizations.dto';

const ORG_ALERTS_ANSWER_SCHEMA = schema.object({
  organizationId: schema.string('', 'org-1'),
  creditsBelow: schema.nullable(schema.credits()),
  expiringWithinDays: schema.nullable(schema.integer('days ahead', 7)),
  position: schema.position(),
});

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
}
