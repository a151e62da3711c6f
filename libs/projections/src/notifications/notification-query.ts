import type { ReadModelDatabase } from '../read-store/read-model-database';
import { InvalidQueryError, parseLimit } from '../queries/query-input';
import type { NotificationKind } from './notification-occasions';

export interface NotificationView {
  readonly notificationId: string;
  readonly kind: NotificationKind;
  readonly accountId: string;
  readonly organizationId?: string;
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
  organization_id: string | null;
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
  private readonly orgPage;
  private readonly expiringUnannounced;

  constructor(db: ReadModelDatabase) {
    this.page = db
      .prepare<[string, bigint, bigint, number, number], Row>(
        `SELECT notification_id, account_id, organization_id, kind, occurred_at, position, ordinal, data FROM notifications
         WHERE account_id = ? AND stream = 'account' AND (position > ? OR (position = ? AND ordinal > ?))
         ORDER BY position, ordinal LIMIT ?`,
      )
      .safeIntegers(true);
    // The pool's own notifications and its members' member_limit.reached (a member's credits.depleted
    // names the organisation too, but the pool's own refusal is the organisation's occasion).
    this.orgPage = db
      .prepare<[string, bigint, bigint, number, number], Row>(
        `SELECT notification_id, account_id, organization_id, kind, occurred_at, position, ordinal, data FROM notifications
         WHERE organization_id = ? AND (stream = 'organization' OR kind = 'member_limit.reached')
           AND (position > ? OR (position = ? AND ordinal > ?))
         ORDER BY position, ordinal LIMIT ?`,
      )
      .safeIntegers(true);
    // Open grants with a remainder expiring within the account's horizon (its watch: default 7 days,
    // null = off) that its watch has not announced: the expiry scheduler's AnnounceExpiringCredits
    // candidates. Joins the credit-balances rows; the decider re-checks each against the stream.
    this.expiringUnannounced = db
      .prepare<{ now: number; limit: number; day: number; maxDays: number }, string>(
        `SELECT g.account_id FROM cb_grants g
         LEFT JOIN notification_watches w ON w.account_id = g.account_id
         WHERE g.status = 'open' AND g.remaining > 0 AND g.expires_at > @now
           AND g.expires_at <= @now + @maxDays * @day
           AND g.expires_at <= @now + (CASE WHEN w.watch IS NULL THEN 7
                 ELSE json_extract(w.watch, '$.expiringWithinDays') END) * @day
           AND (w.watch IS NULL OR NOT EXISTS (
                 SELECT 1 FROM json_each(w.watch, '$.expiringNotified') j WHERE j.value = g.grant_id))
         GROUP BY g.account_id ORDER BY MIN(g.expires_at), g.account_id LIMIT @limit`,
      )
      .pluck();
  }

  /** Accounts with a grant to announce as expiring at `now` (ledger clock), soonest expiry first. */
  accountsWithCreditsExpiringSoon(now: number, limit: number): string[] {
    return this.expiringUnannounced.all({ now, limit, day: 86_400_000, maxDays: 365 });
  }

  list(accountId: string, options: { cursor?: string; limit?: number | string } = {}): NotificationPage {
    return this.pageOf(this.page, accountId, options);
  }

  /**
   * `GET /v1/organizations/{orgId}/notifications`: the pool's notifications (accountId = the
   * organisation) and its members' that name it, in log order, paged.
   */
  listForOrganization(
    organizationId: string,
    options: { cursor?: string; limit?: number | string } = {},
  ): NotificationPage {
    return this.pageOf(this.orgPage, organizationId, options);
  }

  private pageOf(
    statement: { all(id: string, p: bigint, q: bigint, o: number, l: number): Row[] },
    id: string,
    options: { cursor?: string; limit?: number | string },
  ): NotificationPage {
    const [position, ordinal] = parseNotificationCursor(options.cursor);
    const limit = parseLimit(options.limit);
    const rows = statement.all(id, position, position, ordinal, limit + 1);
    const items = rows.slice(0, limit).map((r) => ({
      notificationId: r.notification_id,
      kind: r.kind,
      accountId: r.account_id,
      ...(r.organization_id === null ? {} : { organizationId: r.organization_id }),
      occurredAt: r.occurred_at,
      position: r.position.toString(),
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return { items, nextCursor: last === undefined ? null : `${last.position}.${Number(last.ordinal)}` };
  }
}
