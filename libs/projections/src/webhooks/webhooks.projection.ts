import { msFromStored, type DeliveryEvent, type WebhookEvent } from '@ledger/domain';
import type { ProjectedEvent } from '../events/ledger-event';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from '../runner/projection';

/**
 * `webhooks`: the subscriptions, each with the log position it was made at (it receives the
 * notifications after it). `webhook_deliveries`: per delivery attempted at least once, its state
 * (the delivery log). The secret is not kept here: only the webhook's own stream holds it, sealed.
 */
export const WEBHOOKS_SCHEMA = `
CREATE TABLE IF NOT EXISTS webhooks (
  webhook_id    TEXT    NOT NULL PRIMARY KEY,
  url           TEXT    NOT NULL,
  kinds         TEXT    NOT NULL,
  from_position INTEGER NOT NULL,
  registered_at TEXT    NOT NULL,
  removed_at    TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  delivery_id           TEXT    NOT NULL PRIMARY KEY,
  webhook_id            TEXT    NOT NULL,
  notification_id       TEXT    NOT NULL,
  account_id            TEXT    NOT NULL,
  kind                  TEXT    NOT NULL,
  notification_position INTEGER NOT NULL,
  notification_ordinal  INTEGER NOT NULL,
  status                TEXT    NOT NULL,
  attempts              INTEGER NOT NULL,
  last_status_code      INTEGER,
  last_error            TEXT,
  last_attempt_at       TEXT,
  next_attempt_at       TEXT,
  next_attempt_ms       INTEGER
) WITHOUT ROWID;`;

export const WEBHOOKS_INDEXES = `
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_notification ON webhook_deliveries (webhook_id, notification_id);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (webhook_id, status, next_attempt_ms);`;

export const webhooksProjection: Projection = {
  name: 'webhooks',
  version: 1,
  tables: [
    { name: 'webhooks', key: ['webhook_id'] },
    { name: 'webhook_deliveries', key: ['delivery_id'] },
  ],
  createSchema: (db) => db.exec(WEBHOOKS_SCHEMA),
  indexes: WEBHOOKS_INDEXES,
  openWriter: (db) => new WebhooksWriter(db),
};

/** Writes each event's rows at once: they are inside the runner's transaction, with the checkpoint. */
class WebhooksWriter implements ProjectionWriter {
  private readonly insertWebhook;
  private readonly removeWebhook;
  private readonly attempted;
  private readonly settle;
  private readonly requeue;

  constructor(db: ReadModelDatabase) {
    this.insertWebhook = db.prepare(
      `INSERT OR REPLACE INTO webhooks (webhook_id, url, kinds, from_position, registered_at, removed_at)
       VALUES (@webhookId, @url, @kinds, @position, @registeredAt, NULL)`,
    );
    this.removeWebhook = db.prepare<[string, string]>(
      'UPDATE webhooks SET removed_at = ? WHERE webhook_id = ?',
    );
    this.attempted = db.prepare(
      `INSERT INTO webhook_deliveries (delivery_id, webhook_id, notification_id, account_id, kind,
         notification_position, notification_ordinal, status, attempts, last_status_code, last_error,
         last_attempt_at, next_attempt_at, next_attempt_ms)
       VALUES (@deliveryId, @webhookId, @notificationId, @accountId, @kind, @notificationPosition,
         @notificationOrdinal, 'pending', @attempt, @statusCode, @error, @attemptedAt, @nextAttemptAt, @nextAttemptMs)
       ON CONFLICT (delivery_id) DO UPDATE SET status = 'pending', attempts = excluded.attempts,
         last_status_code = excluded.last_status_code, last_error = excluded.last_error,
         last_attempt_at = excluded.last_attempt_at, next_attempt_at = excluded.next_attempt_at,
         next_attempt_ms = excluded.next_attempt_ms`,
    );
    this.settle = db.prepare<[string, string]>(
      'UPDATE webhook_deliveries SET status = ?, next_attempt_at = NULL, next_attempt_ms = NULL WHERE delivery_id = ?',
    );
    this.requeue = db.prepare<[string, number, string]>(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?, next_attempt_ms = ? WHERE delivery_id = ?`,
    );
  }

  apply(projected: ProjectedEvent): void {
    if (projected.stream !== 'webhooks') return;
    this.applyWebhookEvent(projected.event, projected.position);
  }

  private applyWebhookEvent(event: WebhookEvent | DeliveryEvent, position: bigint): void {
    switch (event.type) {
      case 'WebhookRegistered': {
        const { webhookId, url, kinds, registeredAt } = event.data;
        this.insertWebhook.run({ webhookId, url, kinds: JSON.stringify(kinds), position, registeredAt });
        return;
      }
      case 'WebhookRemoved':
        this.removeWebhook.run(event.data.removedAt, event.data.webhookId);
        return;
      case 'DeliveryAttempted': {
        const d = event.data;
        this.attempted.run({
          deliveryId: d.deliveryId,
          webhookId: d.webhookId,
          notificationId: d.notificationId,
          accountId: d.accountId,
          kind: d.kind,
          notificationPosition: BigInt(d.notificationPosition),
          notificationOrdinal: d.notificationOrdinal,
          attempt: d.attempt,
          statusCode: d.statusCode,
          error: d.error,
          attemptedAt: d.attemptedAt,
          nextAttemptAt: d.nextAttemptAt,
          nextAttemptMs: d.nextAttemptAt === null ? null : msFromStored(d.nextAttemptAt),
        });
        return;
      }
      case 'WebhookDelivered':
        this.settle.run('delivered', event.data.deliveryId);
        return;
      case 'WebhookDeliveryFailed':
        this.settle.run('failed', event.data.deliveryId);
        return;
      case 'RedeliveryRequested': {
        const at = event.data.requestedAt;
        this.requeue.run(at, msFromStored(at), event.data.deliveryId);
        return;
      }
    }
  }

  flush(): void {}

  discard(): void {}
}
