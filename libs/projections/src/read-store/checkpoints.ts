import { createSchema } from '@ledger/event-store/sqlite';
import type { ReadModelDatabase } from './read-model-database';

export interface Checkpoint {
  readonly projection: string;
  /** The code version of the projection that wrote the rows; another version means "rebuild". */
  readonly version: number;
  /** Global log position of the last event applied (exclusive start for the next read). */
  readonly position: bigint;
}

/**
 * One row per projection, written in the same transaction as the projection's rows: a checkpoint
 * can never claim an event whose rows are missing, nor miss one whose rows are there.
 */
export class CheckpointTable {
  private readonly selectOne;
  private readonly upsert;
  private readonly remove;
  private readonly selectAnchor;
  private readonly upsertAnchor;
  private readonly clearAnchorStatement;

  constructor(db: ReadModelDatabase) {
    // In BEGIN IMMEDIATE: another process may be creating it too.
    createSchema(
      db,
      `CREATE TABLE IF NOT EXISTS projection_checkpoints (
        projection TEXT PRIMARY KEY,
        version    INTEGER NOT NULL,
        position   INTEGER NOT NULL
      ) WITHOUT ROWID`,
    );
    // The last event the read models applied, by id: a log restored from an older copy (or another
    // log altogether) under these read models is recognised at start, and they are rebuilt.
    createSchema(
      db,
      `CREATE TABLE IF NOT EXISTS projection_log_anchor (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        position INTEGER NOT NULL,
        event_id TEXT    NOT NULL
      )`,
    );
    this.selectAnchor = db
      .prepare<[], { position: bigint; event_id: string }>(
        'SELECT position, event_id FROM projection_log_anchor',
      )
      .safeIntegers(true);
    this.upsertAnchor = db.prepare<[bigint, string]>(
      `INSERT INTO projection_log_anchor (id, position, event_id) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET position = excluded.position, event_id = excluded.event_id`,
    );
    this.clearAnchorStatement = db.prepare('DELETE FROM projection_log_anchor');
    this.selectOne = db
      .prepare<[string], { version: bigint; position: bigint }>(
        'SELECT version, position FROM projection_checkpoints WHERE projection = ?',
      )
      .safeIntegers(true);
    this.upsert = db.prepare<[string, number, bigint]>(
      `INSERT INTO projection_checkpoints (projection, version, position) VALUES (?, ?, ?)
       ON CONFLICT (projection) DO UPDATE SET version = excluded.version, position = excluded.position`,
    );
    this.remove = db.prepare<[string]>('DELETE FROM projection_checkpoints WHERE projection = ?');
  }

  read(projection: string): Checkpoint | undefined {
    const row = this.selectOne.get(projection);
    return row === undefined
      ? undefined
      : { projection, version: Number(row.version), position: row.position };
  }

  write(checkpoint: Checkpoint): void {
    this.upsert.run(checkpoint.projection, checkpoint.version, checkpoint.position);
  }

  /** The last event applied (in the batch's transaction). */
  writeAnchor(position: bigint, eventId: string): void {
    this.upsertAnchor.run(position, eventId);
  }

  clearAnchor(): void {
    this.clearAnchorStatement.run();
  }

  readAnchor(): { readonly position: bigint; readonly eventId: string } | undefined {
    const row = this.selectAnchor.get();
    return row === undefined ? undefined : { position: row.position, eventId: row.event_id };
  }

  delete(projection: string): void {
    this.remove.run(projection);
  }
}
