import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { LedgerReadSide, type WebhookView } from '@ledger/projections';
import type { FastifyReply } from 'fastify';
import { Actor } from '../auth/actor.decorator';
import { Roles } from '../auth/roles.decorator';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config';
import { httpErrorOf } from '../http/command-response';
import { ApiAnswer, ApiAnsweredOrReplayed, ApiErrors } from '../http/openapi';
import { invalidRequest } from '../http/validation';
import { answerQuery } from '../read-side/query-answer';
import { WebhookCommandsService } from './webhook-commands.service';
import { webhookUrlProblem } from './webhook-target';
import { DeliveriesQueryDto, DeliveryParams, RegisterWebhookDto, WebhookIdParam } from './webhooks.dto';
import {
  DELIVERIES_PAGE_SCHEMA,
  REDELIVERY_ANSWER_SCHEMA,
  REGISTERED_SCHEMA,
  WEBHOOK_LIST_SCHEMA,
} from './webhooks.responses';

/** How far the retry route looks through a webhook's log for a delivery not attempted yet. */
const QUEUED_LOOKUP_LIMIT = 10_000;
const PROJECTION_WAIT_MS = 5_000;

const listed = (w: WebhookView) => ({
  webhookId: w.webhookId,
  url: w.url,
  kinds: w.kinds,
  registeredAt: w.registeredAt,
  fromPosition: w.fromPosition,
});

/** SPEC §8 webhooks: subscriptions, the delivery log and manual redelivery (admin only). */
@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly commands: WebhookCommandsService,
    private readonly readSide: LedgerReadSide,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Post()
  @Roles('admin')
  @ApiBody({
    type: RegisterWebhookDto,
    examples: {
      example: {
        value: {
          webhookId: 'wh-billing',
          url: 'https://hooks.example.com/ledger',
          kinds: ['window.threshold'],
        },
      },
    },
  })
  @ApiAnsweredOrReplayed('Registered: the signing secret is in this answer only', REGISTERED_SCHEMA)
  @ApiErrors(400, 401, 403, 409, 415, 503)
  @ApiOperation({
    summary:
      'Subscribe a url to notification kinds, from the log position of this registration on (201, secret shown once; 200 replay with webhookId)',
  })
  async register(
    @Body() dto: RegisterWebhookDto,
    @Actor() actor: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const problem = webhookUrlProblem(dto.url, this.config.webhooks.allowPrivate);
    if (problem !== null) throw invalidRequest([{ field: 'url', message: `url ${problem}` }]);
    const outcome = await this.commands.register(
      { webhookId: dto.webhookId, url: dto.url, kinds: dto.kinds },
      actor,
    );
    if (outcome.kind === 'error') throw httpErrorOf(outcome.error);
    const w = outcome.webhook;
    if (outcome.kind === 'replayed') {
      reply.status(200);
      reply.header('Idempotent-Replayed', 'true');
    } else reply.status(201);
    return {
      webhookId: w.webhookId,
      url: w.url,
      kinds: w.kinds,
      secret: outcome.secret,
      registeredAt: w.registeredAt,
      position: outcome.position.toString(),
    };
  }

  @Get()
  @Roles('admin')
  @ApiAnswer(200, 'The webhooks not removed (never their secrets)', WEBHOOK_LIST_SCHEMA)
  @ApiErrors(400, 401, 403, 503)
  @ApiOperation({ summary: 'List the webhooks' })
  list() {
    return { items: this.readSide.webhooks.list().map(listed) };
  }

  @Delete(':webhookId')
  @Roles('admin')
  @HttpCode(204)
  @ApiResponse({ status: 204, description: 'Removed (or removed already): no body' })
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({ summary: 'Remove a webhook: nothing more is sent to it (204; again: 204)' })
  async remove(@Param() { webhookId }: WebhookIdParam, @Actor() actor: string): Promise<void> {
    const outcome = await this.commands.remove(webhookId, actor);
    if (outcome.kind === 'error') throw httpErrorOf(outcome.error);
  }

  @Get(':webhookId/deliveries')
  @Roles('admin')
  @ApiAnswer(200, 'The delivery log in log order, paged', DELIVERIES_PAGE_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({
    summary:
      'The delivery log: every notification the webhook receives, with status pending (attempts 0: queued), delivered or failed',
  })
  async deliveries(@Param() { webhookId }: WebhookIdParam, @Query() query: DeliveriesQueryDto) {
    await this.projectedWebhook(webhookId);
    return answerQuery(`webhook "${webhookId}" does not exist`, () => {
      const webhook = this.readSide.webhooks.get(webhookId);
      return webhook === null
        ? null
        : this.readSide.webhooks.deliveries(webhook, { cursor: query.cursor, limit: query.limit });
    });
  }

  /**
   * The webhook as the read model has it; one registered a moment ago (on this node or another) is
   * waited for, at most 5 s, so its log answers right after the registration did.
   */
  private async projectedWebhook(webhookId: string): Promise<WebhookView> {
    const projected = this.readSide.webhooks.get(webhookId);
    if (projected !== null) return projected;
    const position = await this.commands.registeredAt(webhookId);
    if (position === null) throw new NotFoundException(`webhook "${webhookId}" does not exist`);
    if (!(await this.readSide.waitForPosition(position, PROJECTION_WAIT_MS)))
      throw new ServiceUnavailableException('the webhooks read model has not reached the registration yet');
    const webhook = this.readSide.webhooks.get(webhookId);
    if (webhook === null) throw new NotFoundException(`webhook "${webhookId}" does not exist`);
    return webhook;
  }

  @Post(':webhookId/deliveries/:deliveryId/retry')
  @Roles('admin')
  @HttpCode(202)
  @ApiAnswer(202, 'Queued again: due now, with a new 24 h span', REDELIVERY_ANSWER_SCHEMA)
  @ApiErrors(400, 401, 403, 404, 503)
  @ApiOperation({
    summary: 'Deliver again (a delivered or failed one too); the receiver dedupes by notificationId',
  })
  async retry(@Param() { webhookId, deliveryId }: DeliveryParams, @Actor() actor: string) {
    const webhook = await this.projectedWebhook(webhookId);
    const loaded = await this.commands.delivery(deliveryId);
    if (loaded.state.webhookId === null) {
      if (!this.isQueued(webhook, deliveryId))
        throw new NotFoundException(`webhook "${webhookId}" has no delivery "${deliveryId}"`);
      return { deliveryId, status: 'pending', position: null };
    }
    if (loaded.state.webhookId !== webhookId)
      throw new NotFoundException(`webhook "${webhookId}" has no delivery "${deliveryId}"`);
    const outcome = await this.commands.requestRedelivery(deliveryId, actor);
    if (outcome.kind === 'error') throw httpErrorOf(outcome.error);
    return {
      deliveryId,
      status: 'pending',
      position: outcome.kind === 'appended' ? outcome.position.toString() : null,
    };
  }

  /** A delivery not attempted yet: it is sent in its turn; asking again changes nothing. */
  private isQueued(webhook: WebhookView, deliveryId: string): boolean {
    let after: readonly [bigint, number] = [0n, -1];
    for (let seen = 0; seen < QUEUED_LOOKUP_LIMIT;) {
      const page = this.readSide.webhooks.deliveriesAfter(webhook, after, 500);
      if (page.some((row) => row.deliveryId === deliveryId && row.status === 'queued')) return true;
      if (page.length < 500) return false;
      const last = page[page.length - 1];
      after = [BigInt(last.notification.position), last.ordinal];
      seen += page.length;
    }
    return false;
  }
}
