import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountEvent } from '@ledger/domain';
import type { FastifyReply } from 'fastify';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import type { CommandOutcome } from '../core/command-outcome';
import { respond } from '../http/command-response';
import { ApiAnswer, ApiAnsweredOrReplayed, ApiErrors } from '../http/openapi';
import {
  holdBody,
  holdStatus,
  PlaceHoldCommand,
  ReleaseHoldCommand,
  releaseBody,
  settlementBody,
  SettleHoldCommand,
  type PositionedHoldOutcome,
  type PositionedRelease,
  type PositionedSettlement,
} from './holds.commands';
import { HoldIdParam, HoldToReleaseParam, PlaceHoldDto, ReleaseHoldDto, SettleHoldDto } from './holds.dto';
import {
  HOLD_PLACED_SCHEMA,
  HOLD_REJECTED_SCHEMA,
  RELEASE_SCHEMA,
  SETTLEMENT_SCHEMA,
} from './holds.responses';

/**
 * Holds (SPEC §6): reserve before a long task, settle with what it used, or release. Settle and
 * release name only the hold; its account is found by AccountOf (this process, else the read side).
 */
@ApiTags('holds')
@Controller('v1/holds')
export class HoldsController {
  constructor(private readonly commands: CommandBus) {}

  private run(command: PlaceHoldCommand | SettleHoldCommand | ReleaseHoldCommand) {
    return this.commands.execute<typeof command, CommandOutcome<AccountEvent>>(command);
  }

  @Post()
  @Roles('service')
  @ApiBody({
    type: PlaceHoldDto,
    examples: {
      example: {
        value: {
          holdId: 'h-1',
          accountId: 'acct-1',
          product: 'codex',
          lines: [{ operation: 'cloud_task', quantity: 2 }],
          ttlSeconds: 3600,
        },
      },
    },
  })
  @ApiAnsweredOrReplayed(
    'Held: nothing is consumed, the amounts are kept from any other usage or hold',
    HOLD_PLACED_SCHEMA,
  )
  @ApiAnswer(
    402,
    'Refused like usage (recorded, and replayed on retry): reason, requiredCredits, resetsAt',
    HOLD_REJECTED_SCHEMA,
  )
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({
    summary:
      'Place a hold: decided like usage of its lines, nothing consumed (201 held, 402 rejected, 200 replay)',
  })
  async place(
    @Body() dto: PlaceHoldDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PositionedHoldOutcome> {
    const outcome = await this.run(new PlaceHoldCommand(dto, actor));
    return respond(reply, outcome, {
      body: holdBody,
      created: (body) => holdStatus(body, false),
      replayed: (body) => holdStatus(body, true),
    });
  }

  @Post(':holdId/settlement')
  @Roles('service')
  @ApiBody({
    type: SettleHoldDto,
    examples: { example: { value: { usageId: 'u-h-1', lines: [{ operation: 'cloud_task', quantity: 3 }] } } },
  })
  @ApiAnsweredOrReplayed(
    'Settled: the usage recorded (from the hold first, the excess charged like usage), the rest released; what could not be paid is `uncollected`',
    SETTLEMENT_SCHEMA,
  )
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({
    summary:
      'Settle a hold with the actual usage (201; 200 replay; 404 unknown hold; 409 hold released, expired or settled — the message names its state)',
  })
  async settle(
    @Param() { holdId }: HoldIdParam,
    @Body() dto: SettleHoldDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PositionedSettlement> {
    const outcome = await this.run(new SettleHoldCommand(holdId, dto, actor));
    return respond(reply, outcome, { body: settlementBody });
  }

  @Post(':holdId/release')
  @Roles('service')
  @HttpCode(200)
  @ApiBody({ type: ReleaseHoldDto, examples: { example: { value: { reason: 'task cancelled' } } } })
  @ApiAnsweredOrReplayed('Released: all it held is available again', RELEASE_SCHEMA, 200)
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({
    summary:
      'Release a hold (200; 200 replay; 404 unknown hold; 409 hold settled or expired — the message names its state)',
  })
  async release(
    @Param() { holdId }: HoldToReleaseParam,
    @Body() dto: ReleaseHoldDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PositionedRelease> {
    const outcome = await this.run(new ReleaseHoldCommand(holdId, dto, actor));
    return respond(reply, outcome, { body: releaseBody, created: () => 200 });
  }
}
