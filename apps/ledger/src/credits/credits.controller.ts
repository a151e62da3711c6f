import { Body, Controller, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type {
  AccountEvent,
  CreditsGranted,
  CreditsPurchased,
  PurchaseRefunded,
  SpendingCapSet,
} from '@ledger/domain';
import type { FastifyReply } from 'fastify';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import type { CommandOutcome, PositionedEvent } from '../core/command-outcome';
import { lastEvent, respond } from '../http/command-response';
import { ApiAnswer, ApiAnsweredOrReplayed, ApiErrors } from '../http/openapi';
import { AccountIdParam, PurchaseParams } from '../http/params';
import {
  GRANT_ANSWER_SCHEMA,
  PURCHASE_ANSWER_SCHEMA,
  REFUND_ANSWER_SCHEMA,
  SPENDING_CAP_ANSWER_SCHEMA,
} from './credits.responses';
import { CreditsCommand } from './credits.commands';
import { GrantCreditsDto, PurchaseCreditsDto, RefundPurchaseDto, SpendingCapDto } from './credits.dto';

type Positioned<T> = T & { readonly position: string };

/** The event's facts minus the internal bookkeeping (fingerprint), plus where it sits in the log. */
function factsOf<E extends AccountEvent>(
  events: readonly PositionedEvent<AccountEvent>[],
): Positioned<Omit<E['data'], 'fingerprint'>> {
  const { event, position } = lastEvent(events);
  const { fingerprint: _fingerprint, ...facts } = event.data as E['data'] & { fingerprint?: string };
  return { ...facts, position: position.toString() };
}

@ApiTags('credits')
@Controller('v1/accounts/:accountId')
export class CreditsController {
  constructor(private readonly commands: CommandBus) {}

  private run(input: CreditsCommand['input'], actor: string): Promise<CommandOutcome<AccountEvent>> {
    return this.commands.execute<CreditsCommand, CommandOutcome<AccountEvent>>(
      new CreditsCommand(input, actor),
    );
  }

  @Post('credits/purchases')
  @Roles('service')
  @ApiBody({
    type: PurchaseCreditsDto,
    examples: {
      example: {
        value: { purchaseId: 'p-1', credits: '100', amountPaid: { amountMinor: 4000, currency: 'USD' } },
      },
    },
  })
  @ApiAnsweredOrReplayed('Bought', PURCHASE_ANSWER_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({ summary: 'Credits bought: effective at once (201; 200 replay)' })
  async purchase(
    @Param() { accountId }: AccountIdParam,
    @Body() dto: PurchaseCreditsDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.run(
      { type: 'PurchaseCredits', data: { ...dto, amountPaid: { ...dto.amountPaid }, accountId } },
      actor,
    );
    return respond(reply, outcome, { body: (events) => factsOf<CreditsPurchased>(events) });
  }

  @Post('credits/grants')
  @Roles('admin')
  @ApiBody({
    type: GrantCreditsDto,
    examples: {
      example: {
        value: {
          grantId: 'g-1',
          credits: '25',
          reason: 'launch promotion',
          products: ['codex'],
          priority: 50,
        },
      },
    },
  })
  @ApiAnsweredOrReplayed('Granted', GRANT_ANSWER_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({ summary: 'Promotional credits granted (201; 200 replay)' })
  async grant(
    @Param() { accountId }: AccountIdParam,
    @Body() dto: GrantCreditsDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.run({ type: 'GrantCredits', data: { ...dto, accountId } }, actor);
    return respond(reply, outcome, { body: (events) => factsOf<CreditsGranted>(events) });
  }

  @Post('credits/purchases/:purchaseId/refunds')
  @Roles('admin')
  @ApiBody({
    type: RefundPurchaseDto,
    examples: { example: { value: { refundId: 'r-1', reason: 'customer request' } } },
  })
  @ApiAnsweredOrReplayed('Refunded', REFUND_ANSWER_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 409, 415, 503)
  @ApiOperation({
    summary: 'Refund the unused remainder of a purchase (201; 200 replay; 404 unknown purchase)',
  })
  async refund(
    @Param() { accountId, purchaseId }: PurchaseParams,
    @Body() dto: RefundPurchaseDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.run(
      { type: 'RefundPurchase', data: { ...dto, accountId, purchaseId } },
      actor,
    );
    return respond(reply, outcome, { body: (events) => factsOf<PurchaseRefunded>(events) });
  }

  @Put('spending-cap')
  @Roles('service', 'admin')
  @ApiBody({ type: SpendingCapDto, examples: { example: { value: { creditsPerMonth: '100' } } } })
  @ApiAnswer(200, 'The cap now', SPENDING_CAP_ANSWER_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 415, 503)
  @ApiOperation({
    summary: 'Set or clear (null) the credits that may be spent per calendar month, UTC (200)',
  })
  async spendingCap(
    @Param() { accountId }: AccountIdParam,
    @Body() dto: SpendingCapDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const outcome = await this.run(
      { type: 'SetSpendingCap', data: { accountId, creditsPerMonth: dto.creditsPerMonth } },
      actor,
    );
    return respond(reply, outcome, {
      body: (events) => {
        const facts = factsOf<SpendingCapSet>(events);
        return { accountId, creditsPerMonth: facts.creditsPerMonth, position: facts.position };
      },
      created: () => 200,
      unchanged: (position) => ({
        accountId,
        creditsPerMonth: dto.creditsPerMonth,
        position: position.toString(),
      }),
    });
  }
}
