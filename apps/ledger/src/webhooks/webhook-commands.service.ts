import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  decideDelivery,
  decideWebhook,
  deliveryStreamOf,
  evolveDelivery,
  evolveWebhook,
  initialDeliveryState,
  initialWebhookState,
  webhookStreamOf,
  type DeliveryDecision,
  type DeliveryEvent,
  type DeliveryState,
  type DomainError,
  type RecordDeliveryAttempt,
  type WebhookDecision,
  type WebhookEvent,
  type WebhookRegistered,
  type WebhookState,
} from '@ledger/domain';
import {
  readStreamIfExists,
  StreamCommandHandler,
  type EventStore,
  type EventToAppend,
  type LoadedStream,
} from '@ledger/event-store';
import { CLOCK, decisionTime, type Clock } from '../clock/clock';
import { ledgerTimeOf } from '../clock/ledger-time-of';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config';
import { commandKey, eventIdsOf, fingerprintOf } from '../core/command-identity';
import { LimitsResetsService } from '../core/limits-resets.service';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { EVENT_STORE } from '../store/store.tokens';
import { WebhookSecretBox } from './webhook-secrets';

export type Registration =
  | {
      readonly kind: 'appended' | 'replayed';
      readonly webhook: WebhookRegistered['data'];
      /** The signing secret in clear: only for the answer to this request. */
      readonly secret: string;
      readonly position: bigint;
    }
  | { readonly kind: 'error'; readonly error: DomainError };

export type Settled =
  | {
      readonly kind: 'appended';
      readonly position: bigint;
      /** The types of the events appended (a delivery attempt: delivered, retried or failed). */
      readonly types: readonly string[];
    }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'error'; readonly error: DomainError };

const toAppend = (
  stream: string,
  key: string,
  command: string,
  actor: string,
  events: readonly { type: string; data: unknown }[],
): EventToAppend[] => {
  const ids = eventIdsOf({ stream, key, events });
  return events.map((event, index) => ({
    id: ids[index],
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: { command, idempotencyKey: key, actor },
  }));
};

/**
 * The write side of webhooks: subscriptions (`webhook-<id>`) and delivery state
 * (`webhook-delivery-<deliveryId>`), each read → decided by the pure deciders → appended with the
 * exact expected revision, retried on a conflict (another node, the dispatcher and an operator's
 * retry may write one delivery stream at once).
 */
@Injectable()
export class WebhookCommandsService {
  private readonly webhooks: StreamCommandHandler<WebhookState>;
  private readonly deliveries: StreamCommandHandler<DeliveryState>;
  readonly secrets: WebhookSecretBox;
  private readonly openedSecrets = new Map<string, string>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) config: LedgerConfig,
    private readonly resets: LimitsResetsService,
    private readonly metrics: LedgerMetrics,
  ) {
    this.secrets = WebhookSecretBox.fromConfig(config.webhooks.key, config.dataDir);
    if (config.eventStoreConnectionString !== undefined && config.webhooks.key === undefined)
      new Logger('Webhooks').warn(
        'LEDGER_WEBHOOK_KEY is not set: webhook secrets are sealed with this node’s key file; nodes sharing the EventStoreDB need one LEDGER_WEBHOOK_KEY',
      );
    this.webhooks = new StreamCommandHandler<WebhookState>(store, {
      readBeforeDecide: true,
      initialState: initialWebhookState,
      fold: (state, events) => (events as readonly WebhookEvent[]).reduce(evolveWebhook, state),
      timeOf: ledgerTimeOf,
      cacheCapacity: 1_000,
    });
    this.deliveries = new StreamCommandHandler<DeliveryState>(store, {
      readBeforeDecide: true,
      initialState: initialDeliveryState,
      fold: (state, events) => (events as readonly DeliveryEvent[]).reduce(evolveDelivery, state),
      timeOf: ledgerTimeOf,
      cacheCapacity: 10_000,
    });
  }

  /** `POST /v1/webhooks`: a new webhook id unless the caller chose one (then retries replay). */
  async register(
    input: { webhookId?: string; url: string; kinds: readonly string[] },
    actor: string,
  ): Promise<Registration> {
    await this.resets.clockAtLog();
    const webhookId = input.webhookId ?? `wh_${randomUUID().replaceAll('-', '')}`;
    const stream = webhookStreamOf(webhookId);
    const fingerprint = fingerprintOf({ url: input.url, kinds: [...input.kinds].sort() });
    const secret = WebhookSecretBox.newSecret();
    const sealed = this.secrets.seal(secret);
    const handled = await this.webhooks.handle<WebhookDecision>(stream, (loaded) => {
      const now = decisionTime(this.clock, loaded.ledgerTime);
      const decision = decideWebhook(
        {
          type: 'RegisterWebhook',
          data: { webhookId, url: input.url, kinds: input.kinds, secret: sealed },
          metadata: { now, fingerprint, actor },
        },
        loaded.state,
      );
      if (decision.kind !== 'events') return { events: [], result: decision };
      const key = commandKey('RegisterWebhook', webhookId);
      return { events: toAppend(stream, key, 'RegisterWebhook', actor, decision.events), result: decision };
    });
    this.metrics.versionConflicts.inc(handled.attempts - 1);
    const decision = handled.result;
    if (decision.kind === 'error') return decision;
    if (decision.kind === 'events') {
      const appended = handled.appended;
      if (appended === undefined) throw new Error('a registration must append');
      const registered = decision.events[0] as WebhookRegistered;
      return { kind: 'appended', webhook: registered.data, secret, position: appended.position };
    }
    const [first] = await this.store.readStream(stream, { fromRevision: 0n, maxCount: 1 });
    const registered = { type: first.type, data: first.data } as WebhookRegistered;
    return {
      kind: 'replayed',
      webhook: registered.data,
      secret: this.secrets.open(registered.data.secret),
      position: first.position,
    };
  }

  /** `DELETE /v1/webhooks/{id}`: removed once; removing it again changes nothing. */
  async remove(webhookId: string, actor: string): Promise<Settled> {
    await this.resets.clockAtLog();
    const stream = webhookStreamOf(webhookId);
    const handled = await this.webhooks.handle<WebhookDecision>(stream, (loaded) => {
      const now = decisionTime(this.clock, loaded.ledgerTime);
      const decision = decideWebhook(
        { type: 'RemoveWebhook', data: { webhookId }, metadata: { now, actor } },
        loaded.state,
      );
      if (decision.kind !== 'events') return { events: [], result: decision };
      const key = commandKey('RemoveWebhook', webhookId);
      return { events: toAppend(stream, key, 'RemoveWebhook', actor, decision.events), result: decision };
    });
    return this.settled(handled.result, handled.appended?.position);
  }

  /** The webhook's state on its stream (the signing secret's source), or null when it does not exist. */
  async webhook(webhookId: string): Promise<WebhookState | null> {
    const loaded = await this.webhooks.load(webhookStreamOf(webhookId));
    return loaded.state.registered === null ? null : loaded.state;
  }

  /** The log position of the webhook's registration, or null when it was never registered. */
  async registeredAt(webhookId: string): Promise<bigint | null> {
    const events = await readStreamIfExists(this.store, webhookStreamOf(webhookId), {
      fromRevision: 0n,
      maxCount: 1,
    });
    return events === undefined || events.length === 0 ? null : events[0].position;
  }

  /** The webhook's signing secret in clear (opened once per process, kept in memory). */
  async secretOf(webhookId: string): Promise<string> {
    const known = this.openedSecrets.get(webhookId);
    if (known !== undefined) return known;
    const state = await this.webhook(webhookId);
    if (state?.registered == null) throw new Error(`webhook ${webhookId} does not exist`);
    const secret = this.secrets.open(state.registered.secret);
    this.openedSecrets.set(webhookId, secret);
    return secret;
  }

  /** A delivery's durable state, read from its stream now (the dispatcher checks it before sending). */
  delivery(deliveryId: string): Promise<LoadedStream<DeliveryState>> {
    return this.deliveries.load(deliveryStreamOf(deliveryId));
  }

  /** Records what an attempt came to (delivered, retried later, or failed after 24 h). */
  async recordAttempt(data: RecordDeliveryAttempt['data']): Promise<Settled> {
    const stream = deliveryStreamOf(data.deliveryId);
    const handled = await this.deliveries.handle<DeliveryDecision>(stream, (loaded) => {
      const now = decisionTime(this.clock, loaded.ledgerTime);
      const decision = decideDelivery(
        { type: 'RecordDeliveryAttempt', data, metadata: { now } },
        loaded.state,
      );
      if (decision.kind !== 'events') return { events: [], result: decision };
      const key = commandKey('RecordDeliveryAttempt', data.deliveryId, String(loaded.state.attempts + 1));
      return {
        events: toAppend(stream, key, 'RecordDeliveryAttempt', 'system:webhooks', decision.events),
        result: decision,
      };
    });
    return this.settled(handled.result, handled.appended?.position);
  }

  /** `POST …/deliveries/{id}/retry` for a delivery attempted before: due again now, a new 24 h span. */
  async requestRedelivery(deliveryId: string, actor: string): Promise<Settled> {
    await this.resets.clockAtLog();
    const stream = deliveryStreamOf(deliveryId);
    const handled = await this.deliveries.handle<DeliveryDecision>(stream, (loaded) => {
      const now = decisionTime(this.clock, loaded.ledgerTime);
      const decision = decideDelivery(
        { type: 'RequestRedelivery', data: { deliveryId }, metadata: { now, actor } },
        loaded.state,
      );
      if (decision.kind !== 'events') return { events: [], result: decision };
      const revision = loaded.revision === 'no_stream' ? '-' : loaded.revision.toString();
      const key = commandKey('RequestRedelivery', deliveryId, '@', revision);
      return { events: toAppend(stream, key, 'RequestRedelivery', actor, decision.events), result: decision };
    });
    return this.settled(handled.result, handled.appended?.position);
  }

  private settled(decision: WebhookDecision | DeliveryDecision, position: bigint | undefined): Settled {
    if (decision.kind === 'error') return decision;
    if (decision.kind === 'events' && decision.events.length > 0 && position !== undefined)
      return { kind: 'appended', position, types: decision.events.map((e) => e.type) };
    return { kind: 'unchanged' };
  }
}
