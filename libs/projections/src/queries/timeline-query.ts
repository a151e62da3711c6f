import { isoOf, type EpochMs, type RateCard } from '@ledger/domain';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { TimelineState } from '../timeline/timeline-state';
import { renderTimelineState, type TimelineStateView } from '../timeline/timeline-view';
import { GlobalResetsReader } from './global-resets';
import { parseCursor, parseInstant, parseLimit } from './query-input';

export interface TimelineItem {
  readonly position: string;
  readonly revision: number;
  readonly type: string;
  readonly recordedAt: string;
  readonly data: unknown;
  readonly stateAfter: TimelineStateView;
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
  data: string;
  state_after: string;
}

const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;

/**
 * Support's replay of one account. A page is one seek on (account_id, position); `asOf` is one
 * seek on (account_id, recorded_at), whatever the account's history length.
 */
export class TimelineQuery {
  private readonly selectPage;
  private readonly selectLastAt;
  private readonly selectExists;
  private readonly resets: GlobalResetsReader;

  constructor(db: ReadModelDatabase) {
    this.selectPage = db.prepare<[string, bigint, number, number], TimelineRow>(
      `SELECT position, revision, type, recorded_at, data, state_after FROM timeline_events
       WHERE account_id = ? AND position > ? AND position <= ? ORDER BY position LIMIT ?`,
    );
    this.selectLastAt = db.prepare<[string, number], { position: number; state_after: string }>(
      `SELECT position, state_after FROM timeline_events WHERE account_id = ? AND recorded_at <= ?
       ORDER BY recorded_at DESC, position DESC LIMIT 1`,
    );
    this.selectExists = db
      .prepare<[string], number>('SELECT 1 FROM timeline_events WHERE account_id = ? LIMIT 1')
      .pluck();
    this.resets = new GlobalResetsReader(db);
  }

  /** Null when the account has no events. @throws InvalidQueryError for a bad cursor, limit or asOf. */
  timeline(accountId: string, params: TimelineParams, rateCard: RateCard): TimelinePage | null {
    const after = parseCursor(params.cursor);
    const limit = parseLimit(params.limit);
    const asOf = parseInstant('asOf', params.asOf);
    if (this.selectExists.get(accountId) === undefined) return null;
    const resets = this.resets.resets();
    const lastAt = asOf === undefined ? undefined : this.selectLastAt.get(accountId, asOf);
    // With asOf, the timeline ends at the last event recorded by then.
    const upTo = asOf === undefined ? NO_UPPER_BOUND : (lastAt?.position ?? 0);
    const rows = this.selectPage.all(accountId, after, upTo, limit + 1);
    const items = rows.slice(0, limit).map((row): TimelineItem => ({
      position: String(row.position),
      revision: row.revision,
      type: row.type,
      recordedAt: isoOf(row.recorded_at),
      data: JSON.parse(row.data) as unknown,
      stateAfter: renderTimelineState(stateOf(row.state_after), row.recorded_at, rateCard, resets),
    }));
    const nextCursor = rows.length > limit ? items[items.length - 1].position : null;
    if (asOf === undefined) return { items, nextCursor };
    const stateAsOf =
      lastAt === undefined ? null : renderTimelineState(stateOf(lastAt.state_after), asOf, rateCard, resets);
    return { items, nextCursor, stateAsOf };
  }

  /** The stored state right after the account's last event at or before `at` (for tests and the CLI). */
  rawStateAt(accountId: string, at: EpochMs): TimelineState | null {
    const row = this.selectLastAt.get(accountId, at);
    return row === undefined ? null : stateOf(row.state_after);
  }
}

function stateOf(json: string): TimelineState {
  return JSON.parse(json) as TimelineState;
}
