import type { ProjectedEvent } from '../events/ledger-event';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from '../runner/projection';
import { rateCardThresholds, type ThresholdsOf } from './alert-thresholds';
import { NEW_WATCH, notificationsOf, type AlertWatch, type Notification } from './notification-occasions';

/**
 * `notifications`: one row per occasion (SPEC §8), keyed by its deterministic id; (position,
 * ordinal) orders an account's list (several notifications may share an event).
 * `notification_watches`: per account, what the occasions are seen from (notification-occasions.ts).
 */
export const NOTIFICATIONS_SCHEMA = `
CREATE TABLE IF NOT EXISTS notifications (
  notification_id TEXT    NOT NULL PRIMARY KEY,
  account_id      TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  occurred_at     TEXT    NOT NULL,
  position        INTEGER NOT NULL,
  ordinal         INTEGER NOT NULL,
  data            TEXT    NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notification_watches (
  account_id TEXT NOT NULL PRIMARY KEY,
  watch      TEXT NOT NULL
) WITHOUT ROWID;`;

export const NOTIFICATIONS_INDEXES = `
CREATE INDEX IF NOT EXISTS notifications_by_account ON notifications (account_id, position, ordinal);
CREATE INDEX IF NOT EXISTS notifications_by_position ON notifications (position, ordinal);`;

export function notificationsProjectionWith(thresholdsOf: () => ThresholdsOf): Projection {
  return {
    name: 'notifications',
    version: 1,
    tables: [
      { name: 'notifications', key: ['notification_id'] },
      { name: 'notification_watches', key: ['account_id'] },
    ],
    createSchema: (db) => db.exec(NOTIFICATIONS_SCHEMA),
    indexes: NOTIFICATIONS_INDEXES,
    openWriter: (db) => new NotificationsWriter(db, thresholdsOf()),
  };
}

/** The registered projection: thresholds from the rate card the ledger runs with. */
export const notificationsProjection: Projection = notificationsProjectionWith(rateCardThresholds);

/**
 * Buffers the batch's watches and notifications and writes them at flush, inside the runner's
 * transaction (the checkpoint moves with them); a rollback discards both.
 */
class NotificationsWriter implements ProjectionWriter {
  private readonly watches = new Map<string, AlertWatch>();
  private readonly pending = new Map<string, Notification & { readonly ordinal: number }>();
  private readonly selectWatch;
  private readonly selectNotification;
  private readonly upsertWatch;
  private readonly insertNotification;

  constructor(
    db: ReadModelDatabase,
    private readonly thresholdsOf: ThresholdsOf,
  ) {
    this.selectWatch = db.prepare<[string], { watch: string }>(
      'SELECT watch FROM notification_watches WHERE account_id = ?',
    );
    this.selectNotification = db.prepare<[string], { one: number }>(
      'SELECT 1 AS one FROM notifications WHERE notification_id = ?',
    );
    this.upsertWatch = db.prepare<[string, string]>(
      'INSERT OR REPLACE INTO notification_watches (account_id, watch) VALUES (?, ?)',
    );
    this.insertNotification = db.prepare(
      `INSERT OR IGNORE INTO notifications (notification_id, account_id, kind, occurred_at, position, ordinal, data)
       VALUES (@notificationId, @accountId, @kind, @occurredAt, @position, @ordinal, @data)`,
    );
  }

  apply(projected: ProjectedEvent): void {
    if (projected.stream !== 'account') return;
    const { accountId, event, position } = projected;
    const watch = this.watchOf(accountId);
    const result = notificationsOf(watch, accountId, event, position, this.thresholdsOf);
    this.watches.set(accountId, result.watch);
    let ordinal = 0;
    for (const n of result.notifications) {
      // Each occasion once: the first event that is its occasion keeps it, in the batch and after.
      if (this.pending.has(n.notificationId) || this.selectNotification.get(n.notificationId)) continue;
      this.pending.set(n.notificationId, { ...n, ordinal });
      ordinal += 1;
    }
  }

  private watchOf(accountId: string): AlertWatch {
    const buffered = this.watches.get(accountId);
    if (buffered !== undefined) return buffered;
    const row = this.selectWatch.get(accountId);
    return row === undefined ? NEW_WATCH : (JSON.parse(row.watch) as AlertWatch);
  }

  flush(): void {
    for (const [accountId, watch] of this.watches) this.upsertWatch.run(accountId, JSON.stringify(watch));
    for (const n of this.pending.values()) {
      this.insertNotification.run({
        notificationId: n.notificationId,
        accountId: n.accountId,
        kind: n.kind,
        occurredAt: n.occurredAt,
        position: n.position,
        ordinal: n.ordinal,
        data: JSON.stringify(n.data),
      });
    }
    this.watches.clear();
    this.pending.clear();
  }

  discard(): void {
    this.watches.clear();
    this.pending.clear();
  }
}
