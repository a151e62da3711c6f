import { msFromStored } from '@ledger/domain';
import type { ProjectedEvent } from '../events/ledger-event';
import { BufferedRows } from '../read-store/buffered-rows';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from '../runner/projection';
import { EMPTY_TIMELINE_STATE, evolveTimelineState, type TimelineState } from './timeline-state';

export const TIMELINE_SCHEMA = `
CREATE TABLE IF NOT EXISTS timeline_events (
  position    INTEGER PRIMARY KEY,
  account_id  TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  data        TEXT    NOT NULL,
  state_after TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS timeline_by_account ON timeline_events (account_id, position);
CREATE INDEX IF NOT EXISTS timeline_by_account_time ON timeline_events (account_id, recorded_at, position);`;

/**
 * Each account's events in order with the state after each. `asOf` is one index seek on
 * (account_id, recorded_at): the last event at or before the instant holds the state then.
 */
export const timelineProjection: Projection = {
  name: 'timeline',
  version: 1,
  tables: [{ name: 'timeline_events', key: ['position'] }],
  createSchema: (db) => db.exec(TIMELINE_SCHEMA),
  openWriter: (db) => new TimelineWriter(db),
};

class TimelineWriter implements ProjectionWriter {
  /** The state after each account's latest event; the rows themselves are the store. */
  private readonly states: BufferedRows<TimelineState>;
  private readonly insertEvent;

  constructor(db: ReadModelDatabase) {
    const selectLatest = db
      .prepare<[string], string>(
        'SELECT state_after FROM timeline_events WHERE account_id = ? ORDER BY position DESC LIMIT 1',
      )
      .pluck();
    this.states = new BufferedRows<TimelineState>(
      (accountId) => {
        const json = selectLatest.get(accountId);
        return json === undefined ? undefined : (JSON.parse(json) as TimelineState);
      },
      () => undefined,
    );
    this.insertEvent = db.prepare<[bigint, string, bigint, string, number, string, string]>(
      `INSERT INTO timeline_events (position, account_id, revision, type, recorded_at, data, state_after)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  apply(projected: ProjectedEvent): void {
    if (projected.stream !== 'account') return;
    const { accountId, event } = projected;
    const after = evolveTimelineState(this.states.get(accountId) ?? EMPTY_TIMELINE_STATE, event);
    this.states.set(accountId, after);
    this.insertEvent.run(
      projected.position,
      accountId,
      projected.revision,
      event.type,
      msFromStored(event.data.recordedAt),
      JSON.stringify(event.data),
      JSON.stringify(after),
    );
  }

  flush(): void {
    this.states.flush();
  }

  discard(): void {
    this.states.discard();
  }
}
