import { msFromStored } from '@ledger/domain';
import type { ProjectedEvent } from '../events/ledger-event';
import { BufferedRows } from '../read-store/buffered-rows';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from '../runner/projection';
import { EMPTY_TIMELINE_STATE, evolveTimelineState, type TimelineState } from './timeline-state';

/**
 * One slim row per account event (where it is, what it is, when), and the state after it only on
 * every STATE_EVERY-th revision of the account: the event bodies stay in the log, where the query
 * reads them, and the state after any event is the nearest stored state folded forward over at
 * most STATE_EVERY - 1 events. A rebuild so writes a few dozen bytes per event, not the event twice.
 */
export const STATE_EVERY = 64;

export const TIMELINE_SCHEMA = `
CREATE TABLE IF NOT EXISTS timeline_events (
  position    INTEGER PRIMARY KEY,
  account_id  TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  state_after TEXT
);
CREATE TABLE IF NOT EXISTS timeline_heads (
  account_id TEXT PRIMARY KEY,
  state      TEXT NOT NULL
) WITHOUT ROWID;`;

export const TIMELINE_INDEXES = `
CREATE INDEX IF NOT EXISTS timeline_by_account ON timeline_events (account_id, position);
CREATE INDEX IF NOT EXISTS timeline_by_account_time ON timeline_events (account_id, recorded_at, position);`;

/** Whether the row at this account revision keeps the state after its event. */
export function keepsState(revision: bigint): boolean {
  return revision % BigInt(STATE_EVERY) === 0n;
}

/**
 * Each account's events in order; `asOf` is one index seek on (account_id, recorded_at). The
 * latest state of each account lives in `timeline_heads` (one row per account, written once per
 * batch), so the writer never searches the event rows.
 */
export const timelineProjection: Projection = {
  name: 'timeline',
  // 3: holds, reversals; exhausted grants stay in the state (issue 17).
  version: 3,
  tables: [
    { name: 'timeline_events', key: ['position'] },
    { name: 'timeline_heads', key: ['account_id'] },
  ],
  createSchema: (db) => db.exec(TIMELINE_SCHEMA),
  indexes: TIMELINE_INDEXES,
  openWriter: (db) => new TimelineWriter(db),
};

class TimelineWriter implements ProjectionWriter {
  private readonly heads: BufferedRows<TimelineState>;
  private readonly insertEvent;

  constructor(db: ReadModelDatabase) {
    const selectHead = db
      .prepare<[string], string>('SELECT state FROM timeline_heads WHERE account_id = ?')
      .pluck();
    const upsertHead = db.prepare<[string, string]>(
      `INSERT INTO timeline_heads (account_id, state) VALUES (?, ?)
       ON CONFLICT (account_id) DO UPDATE SET state = excluded.state`,
    );
    this.heads = new BufferedRows<TimelineState>(
      (accountId) => {
        const json = selectHead.get(accountId);
        return json === undefined ? undefined : (JSON.parse(json) as TimelineState);
      },
      (accountId, state) => upsertHead.run(accountId, JSON.stringify(state)),
    );
    this.insertEvent = db.prepare<[bigint, string, bigint, string, number, string | null]>(
      `INSERT INTO timeline_events (position, account_id, revision, type, recorded_at, state_after)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
  }

  apply(projected: ProjectedEvent): void {
    if (projected.stream !== 'account') return;
    const { accountId, event, revision } = projected;
    const after = evolveTimelineState(this.heads.get(accountId) ?? EMPTY_TIMELINE_STATE, event);
    this.heads.set(accountId, after);
    this.insertEvent.run(
      projected.position,
      accountId,
      revision,
      event.type,
      msFromStored(event.data.recordedAt),
      keepsState(revision) ? JSON.stringify(after) : null,
    );
  }

  flush(): void {
    this.heads.flush();
  }

  discard(): void {
    this.heads.discard();
  }
}
