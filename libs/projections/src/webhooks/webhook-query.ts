import { hash } from 'node:crypto';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import { InvalidQueryError, parseLimit } from '../queries/query-input';

/** A delivery's id: deterministic from the webhook and the notification, so every node agrees on it. */
export function deliveryIdOf(webhookId: string, notificationId: string): string {
  return `dlv_${hash('sha256', JSON.stringify([webhookId, notificationId]), 'hex').slice(0, 32)}`;
}

export interface WebhookView {
  readonly webhookId: string;
  readonly url: string;
  readonly kinds: readonly string[];
  readonly registeredAt: string;
  /** Notifications after this log position are delivered to it. */
  readonly fromPosition: string;
  readonly removedAt: string | null;
}

/** What a delivery sends: the notification as API.md's delivery body has it. */
export interface NotificationBody {
  readonly notificationId: string;
  readonly kind: string;
  readonly accountId: string;
  readonly organizationId?: string;
  readonly occurredAt: string;
  readonly position: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A notification the webhook receives, with its delivery state (status 'queued': not attempted yet). */
export interface DeliveryRow {
  readonly deliveryId: string;
  readonly notification: NotificationBody;
  readonly ordinal: number;
  readonly status: 'queued' | 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
}

export interface DeliveryView {
  readonly deliveryId: string;
  readonly notificationId: string;
  readonly kind: string;
  readonly accountId: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
}

interface WebhookRow {
  webhook_id: string;
  url: string;
  kinds: string;
  from_position: bigint;
  registered_at: string;
  removed_at: string | null;
}

interface JoinedRow {
  notification_id: string;
  account_id: string;
  organization_id: string | null;
  kind: string;
  occurred_at: string;
  position: bigint;
  ordinal: number;
  data: string;
  status: 'pending' | 'delivered' | 'failed' | null;
  attempts: number | null;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
}

/** `(position, ordinal)` of a notification: where a walk or a page of the delivery log goes on from. */
export type NotificationCursor = readonly [bigint, number];

export function parseDeliveryCursor(cursor: string | undefined): NotificationCursor {
  if (cursor === undefined || cursor === '') return [0n, -1];
  const match = /^(\d{1,19})\.(\d{1,6})$/.exec(cursor);
  if (match === null) throw new InvalidQueryError('cursor', 'must be a cursor returned as nextCursor');
  return [BigInt(match[1]), Number(match[2])];
}

interface PageParams {
  webhookId: string;
  fromPosition: bigint;
  position: bigint;
  ordinal: number;
  kinds: string;
  limit: number;
}

const JOINED_COLUMNS = `n.notification_id, n.account_id, n.organization_id, n.kind, n.occurred_at, n.position, n.ordinal, n.data,
  d.status, d.attempts, d.last_status_code, d.last_error, d.next_attempt_at`;

/**
 * Subscriptions and the delivery log. The log of a webhook is every notification after its
 * position of the kinds it asked for, with the state of its delivery (none yet: queued). This reads
 * the notifications read model beside the webhooks one at query time; neither projection reads the
 * other's tables.
 */
export class WebhookQuery {
  private readonly all;
  private readonly one;
  private readonly page;
  private readonly due;

  constructor(db: ReadModelDatabase) {
    this.all = db
      .prepare<[], WebhookRow>(
        'SELECT * FROM webhooks WHERE removed_at IS NULL ORDER BY registered_at, webhook_id',
      )
      .safeIntegers(true);
    this.one = db
      .prepare<[string], WebhookRow>('SELECT * FROM webhooks WHERE webhook_id = ?')
      .safeIntegers(true);
    this.page = db
      .prepare<[PageParams], JoinedRow>(
        `SELECT ${JOINED_COLUMNS} FROM notifications n
         LEFT JOIN webhook_deliveries d ON d.webhook_id = @webhookId AND d.notification_id = n.notification_id
         WHERE n.position > @fromPosition AND (n.position > @position OR (n.position = @position AND n.ordinal > @ordinal))
           AND n.kind IN (SELECT value FROM json_each(@kinds))
         ORDER BY n.position, n.ordinal LIMIT @limit`,
      )
      .safeIntegers(true);
    this.due = db
      .prepare<[string, number, number], JoinedRow>(
        `SELECT ${JOINED_COLUMNS} FROM webhook_deliveries d
         JOIN notifications n ON n.notification_id = d.notification_id
         WHERE d.webhook_id = ? AND d.status = 'pending' AND d.next_attempt_ms <= ?
         ORDER BY d.notification_position, d.notification_ordinal LIMIT ?`,
      )
      .safeIntegers(true);
  }

  /** The subscriptions not removed, oldest first. */
  list(): WebhookView[] {
    return this.all.all().map(viewOf);
  }

  /** A subscription, removed or not; null when it never existed (or is not projected yet). */
  get(webhookId: string): WebhookView | null {
    const row = this.one.get(webhookId);
    return row === undefined ? null : viewOf(row);
  }

  /**
   * The webhook's notifications after `after`, in log order, with their delivery state: the
   * delivery log's pages, and the dispatcher's walk.
   */
  deliveriesAfter(webhook: WebhookView, after: NotificationCursor, limit: number): DeliveryRow[] {
    const [position, ordinal] = after;
    return this.page
      .all({
        webhookId: webhook.webhookId,
        fromPosition: BigInt(webhook.fromPosition),
        position,
        ordinal,
        kinds: JSON.stringify(webhook.kinds),
        limit,
      })
      .map((row) => deliveryRowOf(webhook.webhookId, row));
  }

  /** Attempted, not settled, and due at `nowMs` (retries and manual redeliveries), in log order. */
  dueRetries(webhookId: string, nowMs: number, limit: number): DeliveryRow[] {
    return this.due.all(webhookId, nowMs, limit).map((row) => deliveryRowOf(webhookId, row));
  }

  /** `GET /v1/webhooks/{id}/deliveries`: a page of the delivery log (statuses as API.md names them). */
  deliveries(
    webhook: WebhookView,
    options: { cursor?: string; limit?: number | string } = {},
  ): { items: DeliveryView[]; nextCursor: string | null } {
    const limit = parseLimit(options.limit);
    const rows = this.deliveriesAfter(webhook, parseDeliveryCursor(options.cursor), limit + 1);
    const items = rows.slice(0, limit).map((r) => ({
      deliveryId: r.deliveryId,
      notificationId: r.notification.notificationId,
      kind: r.notification.kind,
      accountId: r.notification.accountId,
      status: r.status === 'queued' ? ('pending' as const) : r.status,
      attempts: r.attempts,
      lastStatusCode: r.lastStatusCode,
      lastError: r.lastError,
      nextAttemptAt: r.nextAttemptAt,
    }));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { items, nextCursor: last === undefined ? null : `${last.notification.position}.${last.ordinal}` };
  }
}

function viewOf(row: WebhookRow): WebhookView {
  return {
    webhookId: row.webhook_id,
    url: row.url,
    kinds: JSON.parse(row.kinds) as string[],
    registeredAt: row.registered_at,
    fromPosition: row.from_position.toString(),
    removedAt: row.removed_at,
  };
}

function deliveryRowOf(webhookId: string, row: JoinedRow): DeliveryRow {
  return {
    deliveryId: deliveryIdOf(webhookId, row.notification_id),
    notification: {
      notificationId: row.notification_id,
      kind: row.kind,
      accountId: row.account_id,
      ...(row.organization_id === null ? {} : { organizationId: row.organization_id }),
      occurredAt: row.occurred_at,
      position: row.position.toString(),
      data: JSON.parse(row.data) as Record<string, unknown>,
    },
    ordinal: Number(row.ordinal),
    status: row.status ?? 'queued',
    attempts: row.attempts === null ? 0 : Number(row.attempts),
    lastStatusCode: row.last_status_code === null ? null : Number(row.last_status_code),
    lastError: row.last_error,
    nextAttemptAt: row.next_attempt_at,
  };
}
