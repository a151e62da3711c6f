import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountEvent } from '@ledger/domain';
import type { FastifyReply } from 'fastify';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import type { CommandOutcome } from '../core/command-outcome';
import { respond } from '../http/command-response';
import { ApiAnsweredOrReplayed, ApiErrors } from '../http/openapi';
import { reversalBody, ReverseUsageCommand, type PositionedReversal } from './reversals.commands';
import { ReverseUsageDto, UsageIdParam } from './reversals.dto';
import { REVERSAL_SCHEMA } from './reversals.responses';

@ApiTags('usage')
@Controller('v1/usage/:usageId/reversals')
export class ReversalsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles('admin')
  @ApiBody({
    type: ReverseUsageDto,
    examples: { example: { value: { reversalId: 'rv-1', reason: 'task failed' } } },
  })
  @ApiAnsweredOrReplayed(
    'Reversed: credits back to their grants (or a new promotional grant), units back to open windows',
    REVERSAL_SCHEMA,
  )
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({
    summary:
      'Reverse a usage or a settlement, at most once (201; 200 replay; 404 unknown usage; 409 already reversed, rejected, or the usage id is on several accounts)',
  })
  async reverse(
    @Param() { usageId }: UsageIdParam,
    @Body() dto: ReverseUsageDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PositionedReversal> {
    const outcome = await this.commands.execute<ReverseUsageCommand, CommandOutcome<AccountEvent>>(
      new ReverseUsageCommand(usageId, dto, actor),
    );
    return respond(reply, outcome, { body: reversalBody });
  }
}
