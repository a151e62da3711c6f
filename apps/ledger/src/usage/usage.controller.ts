import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
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
  RecordUsageBatchCommand,
  RecordUsageCommand,
  usageBody,
  usageStatus,
  type BatchItem,
  type PositionedUsageOutcome,
} from './usage.commands';
import { RecordUsageBatchDto, RecordUsageDto } from './usage.dto';
import { BATCH_ANSWER_SCHEMA, USAGE_OUTCOME_SCHEMA } from './usage.responses';

@ApiTags('usage')
@Controller('v1/usage')
export class UsageController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles('service')
  @ApiBody({
    type: RecordUsageDto,
    examples: {
      example: {
        value: {
          usageId: 'u-1',
          accountId: 'acct-1',
          product: 'codex',
          operation: 'local_message',
          quantity: 3,
          surface: 'cli',
        },
      },
    },
  })
  @ApiAnsweredOrReplayed('Accepted', USAGE_OUTCOME_SCHEMA)
  @ApiAnswer(
    402,
    'Rejected (recorded, and replayed on retry): reason, requiredCredits, resetsAt',
    USAGE_OUTCOME_SCHEMA,
  )
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
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
  @ApiBody({
    type: RecordUsageBatchDto,
    examples: {
      example: {
        value: {
          records: [
            { usageId: 'u-2', accountId: 'acct-1', product: 'codex', operation: 'cloud_task', quantity: 1 },
          ],
        },
      },
    },
  })
  @ApiAnswer(
    200,
    'One result per record, in input order (Retry-After when some are 503)',
    BATCH_ANSWER_SCHEMA,
  )
  @ApiErrors(400, 401, 403, 415)
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
