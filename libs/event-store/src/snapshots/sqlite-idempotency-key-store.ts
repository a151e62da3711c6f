import type Database from 'better-sqlite3';
import type { StreamName } from '../event-store';
import { openDerivedDatabase } from './corrupt-file';
import { createSchema, openSqliteDatabase, type SqliteConnectionOptions } from '../sqlite/sqlite-database';

/** Where a keyed command's outcome lives: the fingerprint of its payload and the stream revision of its event. */
export interface IdempotencyKeyEntry {
  readonly fingerprint: string;
  readonly revision: number;
}

/**
 * The idempotency keys of a stream up to its latest snapshot. Together with the snapshot they let a
 * cold load skip the keys (the part of an account's state that grows with every command): a command
 * looks up only its own key. Rows are facts copied from the log, so an extra row is never wrong; a
 * snapshot is saved only after the keys it covers, so it is never ahead of them.
 */
export interface IdempotencyKeyStore {
  lookup(stream: StreamName, key: string): Promise<IdempotencyKeyEntry | undefined>;
  saveMany(stream: StreamName, entries: Iterable<readonly [string, IdempotencyKeyEntry]>): Promise<void>;
  close(): Promise<void>;
}

export class SqliteIdempotencyKeyStore implements IdempotencyKeyStore {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string, string], IdempotencyKeyEntry>;
  private readonly insert: Database.Statement<[string, string, string, number]>;
  private readonly insertMany: (
    stream: string,
    entries: readonly (readonly [string, IdempotencyKeyEntry])[],
  ) => void;

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
      CREATE TABLE IF NOT EXISTS idempotency_keys (
        stream      TEXT    NOT NULL,
        key         TEXT    NOT NULL,
        fingerprint TEXT    NOT NULL,
        revision    INTEGER NOT NULL,
        PRIMARY KEY (stream, key)
      ) WITHOUT ROWID`,
    );
    this.select = this.db.prepare<[string, string], IdempotencyKeyEntry>(
      'SELECT fingerprint, revision FROM idempotency_keys WHERE stream = ? AND key = ?',
    );
    this.insert = this.db.prepare<[string, string, string, number]>(
      'INSERT OR IGNORE INTO idempotency_keys (stream, key, fingerprint, revision) VALUES (?, ?, ?, ?)',
    );
    this.insertMany = this.db.transaction((stream, entries) => {
      for (const [key, entry] of entries) this.insert.run(stream, key, entry.fingerprint, entry.revision);
    });
  }

  async lookup(stream: StreamName, key: string): Promise<IdempotencyKeyEntry | undefined> {
    return this.select.get(stream, key);
  }

  async saveMany(
    stream: StreamName,
    entries: Iterable<readonly [string, IdempotencyKeyEntry]>,
  ): Promise<void> {
    this.insertMany(stream, [...entries]);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
