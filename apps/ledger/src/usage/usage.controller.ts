import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AccountEvent } from '@ledger/domain';
import type { FastifyReply } from 'fastify';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import type { CommandOutcome } from '../core/command-outcome';
import { respond } from '../http/command-response';
import {
  RecordUsageBatchCommand,
  RecordUsageCommand,
  usageBody,
  usageStatus,
  type BatchItem,
  type PositionedUsageOutcome,
} from './usage.commands';
import { RecordUsageBatchDto, RecordUsageDto } from './usage.dto';

@ApiTags('usage')
@Controller('v1/usage')
export class UsageController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles('service')
  @ApiOperation({
    summary:
      'Record usage: allowance first, then credits (201 accepted, 402 rejected, 200 replay of an accepted one)',
  })
  async record(
    @Body() dto: RecordUsageDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PositionedUsageOutcome> {
    const outcome = await this.commands.execute<RecordUsageCommand, CommandOutcome<AccountEvent>>(
      new RecordUsageCommand(dto, actor),
    );
    return respond(reply, outcome, {
      body: usageBody,
      created: (body) => usageStatus(body, false),
      replayed: (body) => usageStatus(body, true),
    });
  }

  @Post('batch')
  @Roles('service')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record up to 1,000 usages; each item carries its own status, in input order' })
  async batch(
    @Body() dto: RecordUsageBatchDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ results: BatchItem[] }> {
    const results = await this.commands.execute<RecordUsageBatchCommand, BatchItem[]>(
      new RecordUsageBatchCommand(dto.records, actor),
    );
    // Items that could not be recorded now (503) are to be resent: the answer says when, like a 503 would.
    const retryAfter = Math.max(
      0,
      ...results.map((r) => ('retryAfterSeconds' in r ? (r.retryAfterSeconds ?? 0) : 0)),
    );
    if (retryAfter > 0) reply.header('Retry-After', String(retryAfter));
    return { results };
  }
}
