import { isoOf, organizationStreamName } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { decodeLedgerEvent } from '../events/ledger-event';
import { assertOrganizationReadable } from '../organizations/organization-quarantine';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import {
  EMPTY_ORG_TIMELINE_STATE,
  evolveOrgTimelineState,
  renderOrgTimelineState,
  type OrgTimelineState,
  type OrgTimelineStateView,
} from '../timeline/org-timeline-state';
import { timelineProjection } from '../timeline/timeline.projection';
import { parseCursor, parseInstant, parseLimit } from './query-input';
import type { TimelineParams } from './timeline-query';

export interface OrgTimelineItem {
  readonly position: string;
  readonly revision: number;
  readonly type: string;
  readonly recordedAt: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly stateAfter: OrgTimelineStateView;
}

export interface OrgTimelinePage {
  readonly items: readonly OrgTimelineItem[];
  readonly nextCursor: string | null;
  /** Present when `asOf` was asked: the organisation as it stood then (null if not yet opened). */
  readonly stateAsOf?: OrgTimelineStateView | null;
}

interface Row {
  position: number;
  revision: number;
  type: string;
  recorded_at: number;
}

const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;

/**
 * An organisation's timeline, as `TimelineQuery` pages an account's: slim rows in the read model,
 * the bodies from the organisation's stream, the state after each folded from the nearest stored one.
 */
export class OrgTimelineQuery {
  private readonly selectPage;
  private readonly selectLastAt;
  private readonly selectStateAtOrBefore;
  private readonly selectExists;

  constructor(
    private readonly db: ReadModelDatabase,
    private readonly store: EventStore,
  ) {
    this.selectPage = db.prepare<[string, bigint, number, number], Row>(
      `SELECT position, revision, type, recorded_at FROM org_timeline_events
       WHERE organization_id = ? AND position > ? AND position <= ? ORDER BY position LIMIT ?`,
    );
    this.selectLastAt = db.prepare<[string, number], Row>(
      `SELECT position, revision, type, recorded_at FROM org_timeline_events
       WHERE organization_id = ? AND recorded_at <= ? ORDER BY recorded_at DESC, position DESC LIMIT 1`,
    );
    this.selectStateAtOrBefore = db.prepare<[string, number], { revision: number; state_after: string }>(
      `SELECT revision, state_after FROM org_timeline_events
       WHERE organization_id = ? AND position <= ? AND state_after IS NOT NULL ORDER BY position DESC LIMIT 1`,
    );
    this.selectExists = db
      .prepare<[string], number>('SELECT 1 FROM org_timeline_events WHERE organization_id = ? LIMIT 1')
      .pluck();
  }

  /** Null when the organisation has no events. @throws InvalidQueryError for a bad cursor, limit or asOf. */
  async timeline(organizationId: string, params: TimelineParams): Promise<OrgTimelinePage | null> {
    const after = parseCursor(params.cursor);
    const limit = parseLimit(params.limit);
    const asOf = parseInstant('asOf', params.asOf);
    assertOrganizationReadable(this.db, timelineProjection.name, organizationId);
    if (this.selectExists.get(organizationId) === undefined) return null;
    const lastAt = asOf === undefined ? undefined : this.selectLastAt.get(organizationId, asOf);
    const upTo = asOf === undefined ? NO_UPPER_BOUND : (lastAt?.position ?? 0);
    const found = this.selectPage.all(organizationId, after, upTo, limit + 1);
    const rows = found.slice(0, limit);
    const states = await this.statesAfter(organizationId, rows);
    const items = rows.map((row, i): OrgTimelineItem => ({
      position: String(row.position),
      revision: row.revision,
      type: row.type,
      recordedAt: isoOf(row.recorded_at),
      data: withoutFingerprint(states[i].data),
      stateAfter: renderOrgTimelineState(states[i].state, row.recorded_at),
    }));
    const nextCursor = found.length > limit ? items[items.length - 1].position : null;
    if (asOf === undefined) return { items, nextCursor };
    if (lastAt === undefined) return { items, nextCursor, stateAsOf: null };
    const [atLast] = await this.statesAfter(organizationId, [lastAt]);
    return { items, nextCursor, stateAsOf: renderOrgTimelineState(atLast.state, asOf) };
  }

  private async statesAfter(
    organizationId: string,
    rows: readonly Row[],
  ): Promise<{ readonly data: unknown; readonly state: OrgTimelineState }[]> {
    if (rows.length === 0) return [];
    const first = rows[0];
    const last = rows[rows.length - 1];
    const stored = this.selectStateAtOrBefore.get(organizationId, first.position);
    const storedRevision = stored?.revision ?? -1;
    let state =
      stored === undefined ? EMPTY_ORG_TIMELINE_STATE : (JSON.parse(stored.state_after) as OrgTimelineState);
    const fromRevision = Math.max(storedRevision, 0);
    const events = await this.store.readStream(organizationStreamName(organizationId), {
      fromRevision: BigInt(fromRevision),
      maxCount: last.revision - fromRevision + 1,
    });
    const byRevision = new Map<number, { position: bigint; data: unknown; state: OrgTimelineState }>();
    for (const recorded of events) {
      const decoded = decodeLedgerEvent(recorded);
      if (decoded === null || decoded.stream !== 'organization') continue;
      const revision = Number(recorded.revision);
      if (revision > storedRevision) state = evolveOrgTimelineState(state, decoded.event);
      byRevision.set(revision, { position: recorded.position, data: decoded.event.data, state });
    }
    return rows.map((row) => {
      const found = byRevision.get(row.revision);
      if (found === undefined || found.position !== BigInt(row.position))
        throw new Error(
          `timeline of organisation "${organizationId}": the event at position ${row.position} is not in the log at revision ${row.revision}`,
        );
      return found;
    });
  }
}

function withoutFingerprint(data: unknown): Readonly<Record<string, unknown>> {
  const { fingerprint: _fingerprint, ...rest } = data as Record<string, unknown>;
  return rest;
}
