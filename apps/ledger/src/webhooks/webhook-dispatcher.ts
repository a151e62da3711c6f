import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { isDeliveryDue, msFromStored } from '@ledger/domain';
import { LedgerReadSide, type DeliveryRow, type WebhookView } from '@ledger/projections';
import { CLOCK, type Clock } from '../clock/clock';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config';
import { DispatchLeaseService } from './dispatch-lease.service';
import { WebhookCommandsService } from './webhook-commands.service';
import { WebhookMetrics } from './webhook-metrics';
import { sendWebhook, type SendResult } from './webhook-sender';
import { webhookSignature } from './webhook-signature';

/** Notifications read from the read model per webhook and step. */
const WALK_PAGE = 500;
const WALK_PAGES_PER_PASS = 20;
/** At most this many deliveries queued in memory per webhook: the walk waits beyond it (a bound). */
const MAX_QUEUED_PER_WEBHOOK = 20_000;
/** Accounts whose deliveries are sent at the same time. */
const CONCURRENT_LANES = 8;

interface WebhookLanes {
  webhook: WebhookView;
  /** The last notification walked: everything up to it is queued, delivered or failed. */
  cursor: readonly [bigint, number];
  /** Per account, its deliveries not settled, in log order: only the first may be attempted. */
  readonly queues: Map<string, DeliveryRow[]>;
  readonly known: Set<string>;
}

/**
 * The one dispatcher of the deployment (SPEC §8): every node runs this loop, only the holder of the
 * dispatch lease sends. It walks the notifications read model in log order per webhook (from the
 * position the webhook was made at), keeps per account a queue in which only the first delivery may
 * be attempted (in order per account; other accounts go on), and before each attempt reads the
 * delivery's own stream (the durable state every node shares), so a delivery already settled
 * elsewhere is never sent again. After a restart or a takeover it starts from that state: only an
 * attempt in flight when the previous dispatcher stopped is sent a second time.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Webhooks');
  private readonly lanes = new Map<string, WebhookLanes>();
  private readonly inFlight = new Set<AbortController>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopping = false;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly readSide: LedgerReadSide,
    private readonly commands: WebhookCommandsService,
    private readonly lease: DispatchLeaseService,
    private readonly metrics: WebhookMetrics,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.webhooks.dispatcher) this.schedule(0);
  }

  /** Stops the loop (no timer left), aborts the attempts in flight (not recorded: sent again later), releases the lease. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const controller of this.inFlight) controller.abort();
    await this.running?.catch(() => undefined);
    await this.lease.release().catch((error: unknown) => {
      this.logger.warn(`could not release the dispatch lease: ${String(error)}`);
    });
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick()
        .catch((error: unknown) => {
          this.logger.error(`webhook dispatch: ${(error as Error).message}`);
          return 0;
        })
        .then((sent) => this.schedule(sent > 0 ? 0 : this.config.webhooks.pollMs));
    }, ms);
    // Never what keeps a process alive: onModuleDestroy clears it anyway.
    this.timer.unref();
  }

  /** One pass (concurrent callers share it): resolves to the number of attempts made. */
  tick(): Promise<number> {
    this.running ??= this.tickOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async tickOnce(): Promise<number> {
    if (this.stopping) return 0;
    const webhooks = this.readSide.webhooks.list();
    if (webhooks.length === 0) {
      // Nothing to send: no lease taken or renewed, so a ledger without webhooks writes no lease events.
      this.lanes.clear();
      await this.lease.release();
      this.metrics.leaseHeld.set(0);
      this.metrics.backlog.set(0);
      return 0;
    }
    const held = await this.lease.acquire();
    this.metrics.leaseHeld.set(held ? 1 : 0);
    if (!held) {
      // Another node dispatches: what this one had in memory goes stale; it starts again from the log.
      this.lanes.clear();
      this.metrics.backlog.set(0);
      return 0;
    }
    const now = this.clock.now();
    this.refreshLanes(webhooks, now);
    const lanes: [WebhookLanes, DeliveryRow[]][] = [];
    for (const webhookLanes of this.lanes.values())
      for (const queue of webhookLanes.queues.values())
        if (queue.length > 0) lanes.push([webhookLanes, queue]);
    let attempts = 0;
    let next = 0;
    const worker = async () => {
      while (!this.stopping && next < lanes.length) {
        const [webhookLanes, queue] = lanes[next++];
        attempts += await this.drainLane(webhookLanes, queue);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_LANES, lanes.length) }, worker));
    this.metrics.backlog.set([...this.lanes.values()].reduce((sum, l) => sum + l.known.size, 0));
    return attempts;
  }

  /** The webhooks as the read model has them now; new notifications walked into their queues. */
  private refreshLanes(webhooks: readonly WebhookView[], now: number): void {
    const current = new Set(webhooks.map((w) => w.webhookId));
    for (const id of this.lanes.keys()) if (!current.has(id)) this.lanes.delete(id);
    for (const webhook of webhooks) {
      let lanes = this.lanes.get(webhook.webhookId);
      if (lanes === undefined) {
        lanes = { webhook, cursor: [0n, -1], queues: new Map(), known: new Set() };
        this.lanes.set(webhook.webhookId, lanes);
      }
      this.walk(lanes);
      // Due again after the walk passed them: retries of deliveries settled before (manual redelivery).
      for (const row of this.readSide.webhooks.dueRetries(webhook.webhookId, now, WALK_PAGE))
        this.enqueue(lanes, row);
    }
  }

  private walk(lanes: WebhookLanes): void {
    // Synchronous reads of the read-model file: a bounded number per pass, so a long history (after a
    // restart every delivered notification is walked again) never holds the request thread for long.
    for (let pages = 0; pages < WALK_PAGES_PER_PASS && lanes.known.size < MAX_QUEUED_PER_WEBHOOK; pages++) {
      const page = this.readSide.webhooks.deliveriesAfter(lanes.webhook, lanes.cursor, WALK_PAGE);
      for (const row of page) {
        lanes.cursor = [BigInt(row.notification.position), row.ordinal];
        if (row.status === 'queued' || row.status === 'pending') this.enqueue(lanes, row);
      }
      if (page.length < WALK_PAGE) return;
    }
  }

  /** Into its account's queue, in log order (a redelivered one may come before those queued). */
  private enqueue(lanes: WebhookLanes, row: DeliveryRow): void {
    if (lanes.known.has(row.deliveryId)) return;
    lanes.known.add(row.deliveryId);
    const accountId = row.notification.accountId;
    const queue = lanes.queues.get(accountId) ?? [];
    lanes.queues.set(accountId, queue);
    const key = (r: DeliveryRow) => [BigInt(r.notification.position), r.ordinal] as const;
    const [position, ordinal] = key(row);
    let at = queue.length;
    while (at > 0) {
      const [p, o] = key(queue[at - 1]);
      if (p < position || (p === position && o < ordinal)) break;
      at -= 1;
    }
    queue.splice(at, 0, row);
  }

  /**
   * Attempts the account's first delivery while it is due; on to the next once it is settled
   * (delivered, or failed after 24 h: a failed one no longer holds the others back).
   */
  private async drainLane(lanes: WebhookLanes, queue: DeliveryRow[]): Promise<number> {
    let attempts = 0;
    while (!this.stopping && queue.length > 0 && this.lease.heldNow()) {
      // A pass longer than half the lease (slow receivers) renews it on the way, not only between passes.
      if (this.lease.dueForRenewal() && !(await this.lease.acquire())) return attempts;
      const head = queue[0];
      const loaded = await this.commands.delivery(head.deliveryId);
      const state = loaded.state;
      if (state.status === 'delivered' || state.status === 'failed') {
        this.settle(lanes, queue);
        continue;
      }
      if (!isDeliveryDue(state, this.clock.now())) return attempts;
      const outcome = await this.attempt(lanes.webhook, head);
      // Only a recorded attempt counts (a pass that made one looks again at once; an error waits a poll).
      if (outcome === 'error') return attempts;
      attempts += 1;
      if (outcome === 'pending') return attempts;
      this.settle(lanes, queue);
    }
    return attempts;
  }

  private settle(lanes: WebhookLanes, queue: DeliveryRow[]): void {
    const done = queue.shift();
    if (done !== undefined) lanes.known.delete(done.deliveryId);
  }

  private async attempt(
    webhook: WebhookView,
    row: DeliveryRow,
  ): Promise<'delivered' | 'pending' | 'failed' | 'error'> {
    const body = JSON.stringify(row.notification);
    const t = Math.floor(this.clock.now() / 1000);
    const controller = new AbortController();
    this.inFlight.add(controller);
    let sent: SendResult;
    try {
      // A secret this node cannot open (another deployment key) is never sent unsigned: a failed attempt, logged.
      const secret = await this.commands.secretOf(webhook.webhookId);
      sent = await sendWebhook(
        webhook.url,
        body,
        { 'ledger-signature': webhookSignature(secret, t, body) },
        {
          timeoutMs: this.config.webhooks.timeoutMs,
          allowPrivate: this.config.webhooks.allowPrivate,
          signal: controller.signal,
        },
      );
    } catch (error) {
      sent = { statusCode: null, error: `not sent: ${(error as Error).message}`.slice(0, 500) };
    } finally {
      this.inFlight.delete(controller);
    }
    // Stopped mid-attempt: not recorded, so the next dispatcher sends it again (at least once).
    if (this.stopping) return 'error';
    const recorded = await this.commands.recordAttempt({
      deliveryId: row.deliveryId,
      webhookId: webhook.webhookId,
      notificationId: row.notification.notificationId,
      accountId: row.notification.accountId,
      kind: row.notification.kind,
      notificationPosition: row.notification.position,
      notificationOrdinal: row.ordinal,
      statusCode: sent.statusCode,
      error: sent.error,
    });
    if (recorded.kind === 'error') {
      this.metrics.deliveries.inc({ outcome: 'error' });
      this.logger.warn(`delivery ${row.deliveryId}: ${JSON.stringify(recorded.error)}`);
      return 'error';
    }
    const types = recorded.kind === 'appended' ? recorded.types : [];
    const outcome = types.includes('WebhookDelivered')
      ? 'delivered'
      : types.includes('WebhookDeliveryFailed')
        ? 'failed'
        : 'pending';
    this.metrics.deliveries.inc({ outcome: outcome === 'pending' ? 'retry' : outcome });
    if (outcome === 'delivered')
      this.metrics.lag.observe(
        Math.max(0, this.clock.now() - msFromStored(row.notification.occurredAt)) / 1000,
      );
    return outcome;
  }
}
