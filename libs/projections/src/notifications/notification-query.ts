import type { ReadModelDatabase } from '../read-store/read-model-database';
import { InvalidQueryError, parseLimit } from '../queries/query-input';
import type { NotificationKind } from './notification-occasions';

export interface NotificationView {
  readonly notificationId: string;
  readonly kind: NotificationKind;
  readonly accountId: string;
  readonly occurredAt: string;
  readonly position: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface NotificationPage {
  readonly items: readonly NotificationView[];
  /** `<position>.<ordinal>` of the last item when more may follow; null at the end. */
  readonly nextCursor: string | null;
}

interface Row {
  notification_id: string;
  account_id: string;
  kind: NotificationKind;
  occurred_at: string;
  position: bigint;
  ordinal: number;
  data: string;
}

function parseNotificationCursor(cursor: string | undefined): [bigint, number] {
  if (cursor === undefined || cursor === '') return [0n, -1];
  const match = /^(\d{1,19})\.(\d{1,6})$/.exec(cursor);
  if (match === null) throw new InvalidQueryError('cursor', 'must be a cursor returned as nextCursor');
  return [BigInt(match[1]), Number(match[2])];
}

/** `GET /v1/accounts/{id}/notifications`: the account's notifications in log order, paged. */
export class NotificationQuery {
  private readonly page;

  constructor(db: ReadModelDatabase) {
    this.page = db
      .prepare<[string, bigint, bigint, number, number], Row>(
        `SELECT notification_id, account_id, kind, occurred_at, position, ordinal, data FROM notifications
         WHERE account_id = ? AND (position > ? OR (position = ? AND ordinal > ?))
         ORDER BY position, ordinal LIMIT ?`,
      )
      .safeIntegers(true);
  }

  list(accountId: string, options: { cursor?: string; limit?: number | string } = {}): NotificationPage {
    const [position, ordinal] = parseNotificationCursor(options.cursor);
    const limit = parseLimit(options.limit);
    const rows = this.page.all(accountId, position, position, ordinal, limit + 1);
    const items = rows.slice(0, limit).map((r) => ({
      notificationId: r.notification_id,
      kind: r.kind,
      accountId: r.account_id,
      occurredAt: r.occurred_at,
      position: r.position.toString(),
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { items, nextCursor: last === undefined ? null : `${last.position}.${Number(last.ordinal)}` };
  }
}
