import type { ProjectedEvent } from '../events/ledger-event';
import { BufferedRows } from '../read-store/buffered-rows';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from '../runner/projection';
import { rateCardThresholds, type ThresholdsOf } from './alert-thresholds';
import { NEW_WATCH, notificationsOf, type AlertWatch, type Notification } from './notification-occasions';
import { NEW_ORG_WATCH, orgNotificationsOf, type OrgAlertWatch } from './org-notification-occasions';

type NotificationStream = 'account' | 'organization';

/**
 * `notifications`: one row per occasion (SPEC §8), keyed by its deterministic id; (position,
 * ordinal) orders an account's list (several notifications may share an event).
 * `notification_watches`: per account, what the occasions are seen from (notification-occasions.ts).
 */
export const NOTIFICATIONS_SCHEMA = `
CREATE TABLE IF NOT EXISTS notifications (
  notification_id TEXT    NOT NULL PRIMARY KEY,
  account_id      TEXT    NOT NULL,
  organization_id TEXT,
  stream          TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  occurred_at     TEXT    NOT NULL,
  position        INTEGER NOT NULL,
  ordinal         INTEGER NOT NULL,
  data            TEXT    NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notification_watches (
  account_id TEXT NOT NULL PRIMARY KEY,
  watch      TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notification_org_watches (
  organization_id TEXT NOT NULL PRIMARY KEY,
  watch           TEXT NOT NULL
) WITHOUT ROWID;`;

export const NOTIFICATIONS_INDEXES = `
CREATE INDEX IF NOT EXISTS notifications_by_account ON notifications (account_id, position, ordinal);
CREATE INDEX IF NOT EXISTS notifications_by_position ON notifications (position, ordinal);
CREATE INDEX IF NOT EXISTS notifications_by_organization ON notifications (organization_id, position, ordinal)
  WHERE organization_id IS NOT NULL;`;

export function notificationsProjectionWith(thresholdsOf: () => ThresholdsOf): Projection {
  return {
    name: 'notifications',
    // 2: watches are stored without the account's windows. 3: organization_id and stream
    // (member_limit.reached, the organisation stream's own notifications). 4: watches are stored
    // without the account's open holds (rows written before differ: rebuilt once on first start).
    version: 4,
    tables: [
      { name: 'notifications', key: ['notification_id'] },
      { name: 'notification_watches', key: ['account_id'] },
      { name: 'notification_org_watches', key: ['organization_id'] },
    ],
    createSchema: (db) => db.exec(NOTIFICATIONS_SCHEMA),
    indexes: NOTIFICATIONS_INDEXES,
    openWriter: (db) => new NotificationsWriter(db, thresholdsOf()),
  };
}

/** The registered projection: thresholds from the rate card the ledger runs with. */
export const notificationsProjection: Projection = notificationsProjectionWith(rateCardThresholds);

/**
 * The watch as stored: no occasion reads the account's windows (window.threshold reads the event's)
 * or its open holds (held credits are already off the grants' `remaining`, which credits.low
 * reads), so both are left out — most of a row's bytes; and a usage, a hold or a settlement that
 * moves no credits then leaves the stored watch as it was (`sameWatch`: nothing to write).
 */
function compactWatch(watch: AlertWatch): AlertWatch {
  const { windows, holds, ...rest } = watch.account;
  return windows.length === 0 && holds === undefined
    ? watch
    : { ...watch, account: { ...rest, windows: [] } };
}

/** By reference where the reducers keep parts they did not change: a cheap "nothing changed". */
function sameWatch(a: AlertWatch, b: AlertWatch): boolean {
  return (
    a.account.plan === b.account.plan &&
    a.account.spendingCap === b.account.spendingCap &&
    a.account.grants === b.account.grants &&
    a.account.holds === b.account.holds &&
    a.creditsBelow === b.creditsBelow &&
    a.expiringWithinDays === b.expiringWithinDays &&
    a.expiringNotified === b.expiringNotified &&
    a.capSetAt === b.capSetAt
  );
}

/** Notification ids known to be written, remembered across batches up to this many (then afresh). */
const KNOWN_IDS = 50_000;

/**
 * Buffers the batch's watches and notifications and writes them at flush, inside the runner's
 * transaction (the checkpoint moves with them); a rollback discards both. Watches stay cached
 * across batches (BufferedRows: only this writer writes the table), as do the ids of notifications
 * written: an occasion that fires again (every usage of a window past 80%) costs neither a row read
 * nor a JSON parse.
 */
class NotificationsWriter implements ProjectionWriter {
  private readonly watches: BufferedRows<AlertWatch>;
  private readonly orgWatches: BufferedRows<OrgAlertWatch>;
  private readonly pending = new Map<
    string,
    Notification & { readonly ordinal: number; readonly stream: NotificationStream }
  >();
  private readonly written = new Set<string>();
  private readonly selectNotification;
  private readonly insertNotification;

  constructor(
    db: ReadModelDatabase,
    private readonly thresholdsOf: ThresholdsOf,
  ) {
    const selectWatch = db
      .prepare<[string], string>('SELECT watch FROM notification_watches WHERE account_id = ?')
      .pluck();
    const upsertWatch = db.prepare<[string, string]>(
      'INSERT OR REPLACE INTO notification_watches (account_id, watch) VALUES (?, ?)',
    );
    this.watches = new BufferedRows<AlertWatch>(
      (accountId) => {
        const json = selectWatch.get(accountId);
        return json === undefined ? undefined : (JSON.parse(json) as AlertWatch);
      },
      (accountId, watch) => upsertWatch.run(accountId, JSON.stringify(watch)),
    );
    const selectOrgWatch = db
      .prepare<[string], string>('SELECT watch FROM notification_org_watches WHERE organization_id = ?')
      .pluck();
    const upsertOrgWatch = db.prepare<[string, string]>(
      'INSERT OR REPLACE INTO notification_org_watches (organization_id, watch) VALUES (?, ?)',
    );
    this.orgWatches = new BufferedRows<OrgAlertWatch>(
      (organizationId) => {
        const json = selectOrgWatch.get(organizationId);
        return json === undefined ? undefined : (JSON.parse(json) as OrgAlertWatch);
      },
      (organizationId, watch) => upsertOrgWatch.run(organizationId, JSON.stringify(watch)),
    );
    this.selectNotification = db.prepare<[string], { one: number }>(
      'SELECT 1 AS one FROM notifications WHERE notification_id = ?',
    );
    this.insertNotification = db.prepare(
      `INSERT OR IGNORE INTO notifications
         (notification_id, account_id, organization_id, stream, kind, occurred_at, position, ordinal, data)
       VALUES (@notificationId, @accountId, @organizationId, @stream, @kind, @occurredAt, @position, @ordinal, @data)`,
    );
  }

  apply(projected: ProjectedEvent): void {
    if (projected.stream === 'organization') {
      const { organizationId, event, position } = projected;
      const watch = this.orgWatches.get(organizationId) ?? NEW_ORG_WATCH;
      const result = orgNotificationsOf(watch, organizationId, event, position);
      if (result.watch !== watch) this.orgWatches.set(organizationId, result.watch);
      this.add(result.notifications, 'organization');
      return;
    }
    if (projected.stream !== 'account') return;
    const { accountId, event, position } = projected;
    const watch = this.watches.get(accountId) ?? NEW_WATCH;
    const result = notificationsOf(watch, accountId, event, position, this.thresholdsOf);
    const next = compactWatch(result.watch);
    if (!sameWatch(watch, next)) this.watches.set(accountId, next);
    this.add(result.notifications, 'account');
  }

  private add(notifications: readonly Notification[], stream: NotificationStream): void {
    let ordinal = 0;
    for (const n of notifications) {
      // Each occasion once: the first event that is its occasion keeps it, in the batch and after.
      if (this.pending.has(n.notificationId) || this.isWritten(n.notificationId)) continue;
      this.pending.set(n.notificationId, { ...n, ordinal, stream });
      ordinal += 1;
    }
  }

  private isWritten(notificationId: string): boolean {
    if (this.written.has(notificationId)) return true;
    if (this.selectNotification.get(notificationId) === undefined) return false;
    this.remember(notificationId);
    return true;
  }

  private remember(notificationId: string): void {
    if (this.written.size >= KNOWN_IDS) this.written.clear();
    this.written.add(notificationId);
  }

  flush(): void {
    this.watches.flush();
    this.orgWatches.flush();
    for (const n of this.pending.values()) {
      this.insertNotification.run({
        notificationId: n.notificationId,
        accountId: n.accountId,
        organizationId: n.organizationId ?? null,
        stream: n.stream,
        kind: n.kind,
        occurredAt: n.occurredAt,
        position: n.position,
        ordinal: n.ordinal,
        data: JSON.stringify(n.data),
      });
      this.remember(n.notificationId);
    }
    this.pending.clear();
  }

  /** After a rollback: neither the cached watches nor the ids remembered since may have been written. */
  discard(): void {
    this.watches.discard();
    this.orgWatches.discard();
    this.pending.clear();
    this.written.clear();
  }
}
