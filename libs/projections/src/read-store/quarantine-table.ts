import { createSchema } from '@ledger/event-store/sqlite';
import type { ReadModelDatabase } from './read-model-database';

/**
 * A stream a projection could not apply an event of (SPEC §10): its rows stay at the last state
 * the projection could build, and the stream's later events are held back until it is lifted.
 */
export interface StreamQuarantine {
  readonly projection: string;
  readonly stream: string;
  /** The event it cannot apply (the poison). */
  readonly position: bigint;
  readonly eventId: string;
  /** The poison's revision in its stream: a retry reads the stream from there (undefined: older rows, from 0). */
  readonly revision?: bigint;
  readonly reason: string;
  /** Epoch ms. */
  readonly since: number;
  readonly attempts: number;
  /** Epoch ms of the next attempt to apply the poison and the held-back events. */
  readonly retryAt: number;
  /** Later events of the stream not applied (and the last one's position). */
  readonly heldBack: number;
  readonly heldBackLast: bigint | undefined;
}

const QUARANTINE_SCHEMA = `CREATE TABLE IF NOT EXISTS projection_quarantine (
  projection     TEXT    NOT NULL,
  stream         TEXT    NOT NULL,
  position       INTEGER NOT NULL,
  event_id       TEXT    NOT NULL,
  reason         TEXT    NOT NULL,
  since          INTEGER NOT NULL,
  attempts       INTEGER NOT NULL,
  retry_at       INTEGER NOT NULL,
  held_back      INTEGER NOT NULL,
  held_back_last INTEGER,
  PRIMARY KEY (projection, stream)
) WITHOUT ROWID`;

interface QuarantineRow {
  projection: string;
  stream: string;
  position: bigint;
  event_id: string;
  reason: string;
  since: bigint;
  attempts: bigint;
  retry_at: bigint;
  held_back: bigint;
  held_back_last: bigint | null;
  revision?: bigint | null;
}

/**
 * The quarantined streams of every projection, written in the same transaction as the projection's
 * rows and checkpoint: a checkpoint past a poison event always comes with the quarantine that
 * explains why the stream's rows stop there.
 */
export class QuarantineTable {
  private readonly selectAll;
  private readonly upsert;
  private readonly removeOne;
  private readonly removeProjection;

  constructor(db: ReadModelDatabase) {
    // In BEGIN IMMEDIATE: another process may be creating it too.
    createSchema(db, QUARANTINE_SCHEMA);
    addRevisionColumn(db);
    this.selectAll = db
      .prepare<[], QuarantineRow>('SELECT * FROM projection_quarantine ORDER BY projection, position')
      .safeIntegers(true);
    this.upsert = db.prepare<
      [string, string, bigint, string, string, number, number, number, number, bigint | null, bigint | null]
    >(
      `INSERT INTO projection_quarantine
         (projection, stream, position, event_id, reason, since, attempts, retry_at, held_back, held_back_last, revision)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (projection, stream) DO UPDATE SET position = excluded.position,
         event_id = excluded.event_id, reason = excluded.reason, since = excluded.since,
         attempts = excluded.attempts, retry_at = excluded.retry_at, held_back = excluded.held_back,
         held_back_last = excluded.held_back_last, revision = excluded.revision`,
    );
    this.removeOne = db.prepare<[string, string]>(
      'DELETE FROM projection_quarantine WHERE projection = ? AND stream = ?',
    );
    this.removeProjection = db.prepare<[string]>('DELETE FROM projection_quarantine WHERE projection = ?');
  }

  all(): StreamQuarantine[] {
    return this.selectAll.all().map(quarantineOf);
  }

  write(q: StreamQuarantine): void {
    this.upsert.run(
      q.projection,
      q.stream,
      q.position,
      q.eventId,
      q.reason,
      q.since,
      q.attempts,
      q.retryAt,
      q.heldBack,
      q.heldBackLast ?? null,
      q.revision ?? null,
    );
  }

  remove(projection: string, stream: string): void {
    this.removeOne.run(projection, stream);
  }

  /** A rebuild of the projection lifts its quarantines (in the rebuild's transaction). */
  clear(projection: string): void {
    this.removeProjection.run(projection);
  }
}

/**
 * The quarantines stored in a read-model file, for readers that must not create tables (queries,
 * verify): none when the file has no quarantine table yet. With `projection` and `stream`: that one.
 */
export function storedQuarantines(
  db: ReadModelDatabase,
  key?: { readonly projection: string; readonly stream: string },
): StreamQuarantine[] {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projection_quarantine'")
    .pluck()
    .get();
  if (exists === undefined) return [];
  if (key === undefined)
    return db
      .prepare<[], QuarantineRow>('SELECT * FROM projection_quarantine ORDER BY projection, position')
      .safeIntegers(true)
      .all()
      .map(quarantineOf);
  const row = db
    .prepare<[string, string], QuarantineRow>(
      'SELECT * FROM projection_quarantine WHERE projection = ? AND stream = ?',
    )
    .safeIntegers(true)
    .get(key.projection, key.stream);
  return row === undefined ? [] : [quarantineOf(row)];
}

function quarantineOf(row: QuarantineRow): StreamQuarantine {
  return {
    projection: row.projection,
    stream: row.stream,
    position: row.position,
    eventId: row.event_id,
    reason: row.reason,
    since: Number(row.since),
    attempts: Number(row.attempts),
    retryAt: Number(row.retry_at),
    heldBack: Number(row.held_back),
    heldBackLast: row.held_back_last ?? undefined,
    ...(row.revision === undefined || row.revision === null ? {} : { revision: row.revision }),
  };
}

/** Files from before the poison's revision was kept get the column (NULL: read the stream from 0). */
function addRevisionColumn(db: ReadModelDatabase): void {
  db.transaction(() => {
    const columns = db.prepare('PRAGMA table_info(projection_quarantine)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'revision'))
      db.exec('ALTER TABLE projection_quarantine ADD COLUMN revision INTEGER');
  }).immediate();
}
