import type Database from 'better-sqlite3';
import { StreamName } from '../event-store';
import { openDerivedDatabase } from './corrupt-file';
import { createSchema, openSqliteDatabase, SqliteConnectionOptions } from '../sqlite/sqlite-database';
import { decodeState, encodeState } from './snapshot-codec';
import { Snapshot, SnapshotStore } from './snapshot-store';

interface SnapshotRow {
  readonly revision: bigint;
  readonly state: string;
  readonly version: string;
}

/**
 * Snapshots in their own table, one row per stream. May share the events file or use another one.
 * `synchronous = NORMAL`: a snapshot lost in a power cut is only rebuilt from the log.
 */
export class SqliteSnapshotStore implements SnapshotStore {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], SnapshotRow>;
  private readonly upsert: Database.Statement<[string, bigint, string, string, string]>;

  constructor(options: SqliteConnectionOptions & { readonly onSetAside?: (message: string) => void }) {
    // A cache: a corrupt file is set aside (named in a warn line) and a fresh one starts empty.
    this.db = openDerivedDatabase(
      options.path,
      () => openSqliteDatabase(options, 'NORMAL'),
      options.onSetAside,
    );
    createSchema(
      this.db,
      `
      CREATE TABLE IF NOT EXISTS snapshots (
        stream   TEXT    PRIMARY KEY,
        revision INTEGER NOT NULL,
        version  TEXT    NOT NULL,
        state    TEXT    NOT NULL,
        saved_at TEXT    NOT NULL
      )`,
    );
    this.select = this.db
      .prepare<[string], SnapshotRow>(`SELECT revision, state, version FROM snapshots WHERE stream = ?`)
      .safeIntegers(true);
    // Never replace a newer snapshot of the same version with an older one (racing savers);
    // a different version always replaces, so a deploy does not keep reading a stale shape.
    this.upsert = this.db.prepare<[string, bigint, string, string, string]>(`
      INSERT INTO snapshots (stream, revision, version, state, saved_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (stream) DO UPDATE SET
        revision = excluded.revision, version = excluded.version,
        state = excluded.state, saved_at = excluded.saved_at
      WHERE excluded.revision >= snapshots.revision OR excluded.version <> snapshots.version`);
  }

  async load(stream: StreamName): Promise<Snapshot | undefined> {
    const row = this.select.get(stream);
    if (row === undefined) return undefined;
    return { revision: row.revision, state: decodeState(row.state), version: row.version };
  }

  async save(stream: StreamName, revision: bigint, state: unknown, version: string): Promise<void> {
    if (revision < 0n) throw new RangeError(`snapshot revision ${revision} < 0`);
    this.upsert.run(stream, revision, version, encodeState(state), new Date().toISOString());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
