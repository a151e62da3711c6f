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

  delete(projection: string): void {
    this.remove.run(projection);
  }
}
