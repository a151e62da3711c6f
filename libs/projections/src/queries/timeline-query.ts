import {
  accountStreamName,
  isoOf,
  organizationStreamName,
  type EpochMs,
  type RateCard,
} from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { decodeLedgerEvent } from '../events/ledger-event';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import { EMPTY_TIMELINE_STATE, evolveTimelineState, type TimelineState } from '../timeline/timeline-state';
import { renderTimelineState, type TimelineStateView } from '../timeline/timeline-view';
import { GlobalResetsReader } from './global-resets';
import { timelineProjection } from '../timeline/timeline.projection';
import { parseCursor, parseInstant, parseLimit } from './query-input';
import { assertAccountReadable } from './stream-quarantined';
import { assertOrganizationReadable } from '../organizations/organization-quarantine';

export interface TimelineItem {
  readonly position: string;
  /** The revision in its stream: the account's, or the organisation's for a pool row. */
  readonly revision: number;
  /** Only on a row of the member's organisation (a pool charge it caused): that organisation. */
  readonly organizationId?: string;
  readonly type: string;
  readonly recordedAt: string;
  /** The event's data as support reads it: internal fields (INTERNAL_FIELDS) left out. */
  readonly data: Readonly<Record<string, unknown>>;
  readonly stateAfter: TimelineStateView;
}

/**
 * Fields of event data that are the ledger's own bookkeeping, not facts for support: the request
 * fingerprint only decides whether a retried command is a replay or a 409.
 */
const INTERNAL_FIELDS: ReadonlySet<string> = new Set(['fingerprint']);

function supportDataOf(data: unknown): Readonly<Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(data as Record<string, unknown>).filter(([field]) => !INTERNAL_FIELDS.has(field)),
  );
}

export interface TimelinePage {
  readonly items: readonly TimelineItem[];
  readonly nextCursor: string | null;
  /** Present when `asOf` was asked: the account as it stood then (null if not yet opened). */
  readonly stateAsOf?: TimelineStateView | null;
}

export interface TimelineParams {
  /** ISO instant: the timeline up to then, and the state at that instant. */
  readonly asOf?: string;
  readonly cursor?: string;
  readonly limit?: number | string;
}

interface TimelineRow {
  position: number;
  revision: number;
  type: string;
  recorded_at: number;
  organization_id: string | null;
}

interface StateRow {
  revision: number;
  state_after: string;
}

const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;

/**
 * Support's replay of one account. A page is one seek on (account_id, position); `asOf` is one
 * seek on (account_id, recorded_at), whatever the account's history length. The event bodies come
 * from the log (one read of the account's stream per page), and the state after each event is
 * folded from the nearest stored state (at most STATE_EVERY - 1 events before the page).
 */
export class TimelineQuery {
  private readonly selectPage;
  private readonly selectLastAt;
  private readonly selectStateAtOrBefore;
  private readonly selectExists;
  private readonly selectOwnBefore;
  private readonly selectOrganization;
  private readonly resets: GlobalResetsReader;

  constructor(
    private readonly db: ReadModelDatabase,
    private readonly store: EventStore,
  ) {
    this.selectPage = db.prepare<[string, bigint, number, number], TimelineRow>(
      `SELECT position, revision, type, recorded_at, organization_id FROM timeline_events
       WHERE account_id = ? AND position > ? AND position <= ? ORDER BY position LIMIT ?`,
    );
    this.selectLastAt = db.prepare<[string, number], TimelineRow>(
      `SELECT position, revision, type, recorded_at, organization_id FROM timeline_events
       WHERE account_id = ? AND recorded_at <= ? ORDER BY recorded_at DESC, position DESC LIMIT 1`,
    );
    this.selectStateAtOrBefore = db.prepare<[string, number], StateRow>(
      `SELECT revision, state_after FROM timeline_events
       WHERE account_id = ? AND position <= ? AND state_after IS NOT NULL ORDER BY position DESC LIMIT 1`,
    );
    this.selectOwnBefore = db.prepare<[string, number], TimelineRow>(
      `SELECT position, revision, type, recorded_at, organization_id FROM timeline_events
       WHERE account_id = ? AND position < ? AND organization_id IS NULL ORDER BY position DESC LIMIT 1`,
    );
    this.selectOrganization = db
      .prepare<[string], string | null>('SELECT organization_id FROM aw_accounts WHERE account_id = ?')
      .pluck();
    this.selectExists = db
      .prepare<[string], number>('SELECT 1 FROM timeline_events WHERE account_id = ? LIMIT 1')
      .pluck();
    this.resets = new GlobalResetsReader(db);
  }

  /** Null when the account has no events. @throws InvalidQueryError for a bad cursor, limit or asOf. */
  async timeline(
    accountId: string,
    params: TimelineParams,
    rateCard: RateCard,
  ): Promise<TimelinePage | null> {
    const after = parseCursor(params.cursor);
    const limit = parseLimit(params.limit);
    const asOf = parseInstant('asOf', params.asOf);
    assertAccountReadable(this.db, timelineProjection.name, accountId);
    // A member's timeline has its organisation's rows (the pool charges it caused): while that
    // organisation's stream is quarantined in the timeline, those rows stop, so it is not current.
    const organizationId = this.selectOrganization.get(accountId);
    if (organizationId !== undefined && organizationId !== null)
      assertOrganizationReadable(this.db, timelineProjection.name, organizationId);
    if (this.selectExists.get(accountId) === undefined) return null;
    const resets = this.resets.resets();
    const lastAt = asOf === undefined ? undefined : this.selectLastAt.get(accountId, asOf);
    // With asOf, the timeline ends at the last event recorded by then.
    const upTo = asOf === undefined ? NO_UPPER_BOUND : (lastAt?.position ?? 0);
    const found = this.selectPage.all(accountId, after, upTo, limit + 1);
    const rows = found.slice(0, limit);
    const states = await this.statesAfter(accountId, rows);
    const items = rows.map((row, i): TimelineItem => ({
      position: String(row.position),
      revision: row.revision,
      ...(row.organization_id === null ? {} : { organizationId: row.organization_id }),
      type: row.type,
      recordedAt: isoOf(row.recorded_at),
      data: supportDataOf(states[i].data),
      stateAfter: renderTimelineState(states[i].state, row.recorded_at, rateCard, resets),
    }));
    const nextCursor = found.length > limit ? items[items.length - 1].position : null;
    if (asOf === undefined) return { items, nextCursor };
    if (lastAt === undefined) return { items, nextCursor, stateAsOf: null };
    const [atLast] = await this.statesAfter(accountId, [lastAt]);
    return { items, nextCursor, stateAsOf: renderTimelineState(atLast.state, asOf, rateCard, resets) };
  }

  /** The state right after the account's last event at or before `at` (for tests and the CLI). */
  async rawStateAt(accountId: string, at: EpochMs): Promise<TimelineState | null> {
    const row = this.selectLastAt.get(accountId, at);
    if (row === undefined) return null;
    const [atRow] = await this.statesAfter(accountId, [row]);
    return atRow.state;
  }

  /**
   * The event body and the state after each row (rows in position order, one account): one read
   * of the account's stream from the nearest stored state to the last own row, folded forward. A
   * pool row (an organisation event about this member) reads its body from the organisation's
   * stream and shows the account as it stood after its last own event before it.
   */
  private async statesAfter(
    accountId: string,
    rows: readonly TimelineRow[],
  ): Promise<{ readonly data: unknown; readonly state: TimelineState }[]> {
    if (rows.length === 0) return [];
    const own = rows.filter((r) => r.organization_id === null);
    // A page that starts with pool rows shows the state after the account's own event before them.
    const before =
      own[0]?.position === rows[0].position
        ? undefined
        : this.selectOwnBefore.get(accountId, rows[0].position);
    const fold = before === undefined ? own : [before, ...own];
    const byRevision = await this.ownStates(accountId, fold);
    const pool = await this.poolBodies(rows.filter((r) => r.organization_id !== null));
    let state = before === undefined ? EMPTY_TIMELINE_STATE : byRevision(before).state;
    return rows.map((row) => {
      if (row.organization_id !== null) return { data: pool(row), state };
      const found = byRevision(row);
      state = found.state;
      return found;
    });
  }

  /** The account's own rows folded from the nearest stored state: a lookup of each row's body and state. */
  private async ownStates(
    accountId: string,
    rows: readonly TimelineRow[],
  ): Promise<(row: TimelineRow) => { readonly data: unknown; readonly state: TimelineState }> {
    const byRevision = new Map<number, { position: bigint; data: unknown; state: TimelineState }>();
    if (rows.length > 0) {
      const first = rows[0];
      const last = rows[rows.length - 1];
      const stored = this.selectStateAtOrBefore.get(accountId, first.position);
      // Without a stored state at or before the page (none kept yet), fold from the account's start.
      const storedRevision = stored?.revision ?? -1;
      let state =
        stored === undefined ? EMPTY_TIMELINE_STATE : (JSON.parse(stored.state_after) as TimelineState);
      const fromRevision = Math.max(storedRevision, 0);
      const events = await this.store.readStream(accountStreamName(accountId), {
        fromRevision: BigInt(fromRevision),
        maxCount: last.revision - fromRevision + 1,
      });
      for (const recorded of events) {
        const decoded = decodeLedgerEvent(recorded);
        if (decoded === null || decoded.stream !== 'account') continue;
        const revision = Number(recorded.revision);
        if (revision > storedRevision) state = evolveTimelineState(state, decoded.event);
        byRevision.set(revision, { position: recorded.position, data: decoded.event.data, state });
      }
    }
    return (row) => {
      const found = byRevision.get(row.revision);
      if (found === undefined || found.position !== BigInt(row.position))
        throw new Error(
          `timeline of "${accountId}": the event at position ${row.position} is not in the log at revision ${row.revision}`,
        );
      return found;
    };
  }

  /** The bodies of pool rows, read from their organisation's stream (one read per row). */
  private async poolBodies(rows: readonly TimelineRow[]): Promise<(row: TimelineRow) => unknown> {
    const bodies = new Map<number, unknown>();
    for (const row of rows) {
      const stream = organizationStreamName(row.organization_id ?? '');
      const [recorded] = await this.store.readStream(stream, {
        fromRevision: BigInt(row.revision),
        maxCount: 1,
      });
      if (recorded === undefined || recorded.position !== BigInt(row.position))
        throw new Error(
          `timeline: the event at position ${row.position} is not in "${stream}" at revision ${row.revision}`,
        );
      bodies.set(row.position, recorded.data);
    }
    return (row) => bodies.get(row.position);
  }
}
