import { msFromStored, type OrganizationEvent } from '@ledger/domain';
import type { ProjectedEvent } from '../events/ledger-event';
import { BufferedRows } from '../read-store/buffered-rows';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from '../runner/projection';
import {
  EMPTY_ORG_TIMELINE_STATE,
  evolveOrgTimelineState,
  type OrgTimelineState,
} from './org-timeline-state';
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
  position        INTEGER PRIMARY KEY,
  account_id      TEXT    NOT NULL,
  revision        INTEGER NOT NULL,
  type            TEXT    NOT NULL,
  recorded_at     INTEGER NOT NULL,
  state_after     TEXT,
  organization_id TEXT
);
CREATE TABLE IF NOT EXISTS timeline_heads (
  account_id TEXT PRIMARY KEY,
  state      TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS org_timeline_events (
  position        INTEGER PRIMARY KEY,
  organization_id TEXT    NOT NULL,
  revision        INTEGER NOT NULL,
  type            TEXT    NOT NULL,
  recorded_at     INTEGER NOT NULL,
  state_after     TEXT
);
CREATE TABLE IF NOT EXISTS org_timeline_heads (
  organization_id TEXT PRIMARY KEY,
  state           TEXT NOT NULL
) WITHOUT ROWID;`;

export const TIMELINE_INDEXES = `
CREATE INDEX IF NOT EXISTS timeline_by_account ON timeline_events (account_id, position);
CREATE INDEX IF NOT EXISTS timeline_by_account_time ON timeline_events (account_id, recorded_at, position);
CREATE INDEX IF NOT EXISTS org_timeline_by_org ON org_timeline_events (organization_id, position);
CREATE INDEX IF NOT EXISTS org_timeline_by_org_time ON org_timeline_events (organization_id, recorded_at, position);`;

/** Whether the row at this account revision keeps the state after its event. */
export function keepsState(revision: bigint): boolean {
  return revision % BigInt(STATE_EVERY) === 0n;
}

/**
 * Each account's events in order; `asOf` is one index seek on (account_id, recorded_at). The
 * latest state of each account lives in `timeline_heads` (one row per account, written once per
 * batch), so the writer never searches the event rows.
 *
 * Organisations (issue 18): each organisation's events likewise in `org_timeline_events` /
 * `org_timeline_heads`; and an organisation event about one member (its reservations on the pool,
 * their settlement, release or expiry, its credit requests) is also a row of that member's timeline
 * (`organization_id` set, `revision` the organisation stream's, no state of its own): the member's
 * timeline shows the pool charges it caused.
 */
export const timelineProjection: Projection = {
  name: 'timeline',
  // 3: holds, reversals; exhausted grants stay in the state (issue 17).
  // 4: organisations' timelines, members' pool rows, membership in the state (issue 18).
  version: 4,
  tables: [
    { name: 'timeline_events', key: ['position'] },
    { name: 'timeline_heads', key: ['account_id'] },
    { name: 'org_timeline_events', key: ['position'] },
    { name: 'org_timeline_heads', key: ['organization_id'] },
  ],
  createSchema: (db) => db.exec(TIMELINE_SCHEMA),
  indexes: TIMELINE_INDEXES,
  openWriter: (db) => new TimelineWriter(db),
};

class TimelineWriter implements ProjectionWriter {
  private readonly heads: BufferedRows<TimelineState>;
  private readonly orgHeads: BufferedRows<OrgTimelineState>;
  private readonly insertEvent;
  private readonly insertOrgEvent;

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
    const selectOrgHead = db
      .prepare<[string], string>('SELECT state FROM org_timeline_heads WHERE organization_id = ?')
      .pluck();
    const upsertOrgHead = db.prepare<[string, string]>(
      `INSERT INTO org_timeline_heads (organization_id, state) VALUES (?, ?)
       ON CONFLICT (organization_id) DO UPDATE SET state = excluded.state`,
    );
    this.orgHeads = new BufferedRows<OrgTimelineState>(
      (organizationId) => {
        const json = selectOrgHead.get(organizationId);
        return json === undefined ? undefined : (JSON.parse(json) as OrgTimelineState);
      },
      (organizationId, state) => upsertOrgHead.run(organizationId, JSON.stringify(state)),
    );
    this.insertEvent = db.prepare<[bigint, string, bigint, string, number, string | null, string | null]>(
      `INSERT INTO timeline_events (position, account_id, revision, type, recorded_at, state_after, organization_id)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertOrgEvent = db.prepare<[bigint, string, bigint, string, number, string | null]>(
      `INSERT INTO org_timeline_events (position, organization_id, revision, type, recorded_at, state_after)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
  }

  apply(projected: ProjectedEvent): void {
    if (projected.stream === 'organization') return this.applyOrganization(projected);
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
      null,
    );
  }

  private applyOrganization(projected: ProjectedEvent & { stream: 'organization' }): void {
    const { organizationId, event, revision, position } = projected;
    const after = evolveOrgTimelineState(
      this.orgHeads.get(organizationId) ?? EMPTY_ORG_TIMELINE_STATE,
      event,
    );
    this.orgHeads.set(organizationId, after);
    const recordedAt = msFromStored(event.data.recordedAt);
    this.insertOrgEvent.run(
      position,
      organizationId,
      revision,
      event.type,
      recordedAt,
      keepsState(revision) ? JSON.stringify(after) : null,
    );
    const member = memberOf(event);
    if (member !== null)
      this.insertEvent.run(position, member, revision, event.type, recordedAt, null, organizationId);
  }

  flush(): void {
    this.heads.flush();
    this.orgHeads.flush();
  }

  discard(): void {
    this.heads.discard();
    this.orgHeads.discard();
  }
}

/** The member an organisation event is about (its spend on the pool, its requests), if any. */
export function memberOf(event: OrganizationEvent): string | null {
  const data = event.data as { readonly accountId?: unknown };
  return typeof data.accountId === 'string' ? data.accountId : null;
}
