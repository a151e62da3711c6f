import Database from 'better-sqlite3';

/** Where the store lives, and how long a writer waits for another process holding the write lock. */
export interface SqliteConnectionOptions {
  /** A file path, or ':memory:' (tests only: nothing survives the process, and no other process can share it). */
  readonly path: string;
  /** Default 5000 ms. Several processes may share one file; a writer waits this long for the lock. */
  readonly busyTimeoutMs?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

/**
 * `position` is the global log position. AUTOINCREMENT (not a bare rowid) so a position is never
 * reused, and because SQLite has a single writer the rows of one transaction get contiguous
 * positions: a reader sees the log as a gap-free prefix. Events are never deleted or updated.
 */
const EVENTS_DDL = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT    NOT NULL UNIQUE,
  stream      TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  UNIQUE (stream, revision)
);`;

/**
 * Opens (and creates if needed) a database file with the settings every ledger connection shares:
 * WAL so readers never block the writer, `synchronous = FULL` so a commit is on disk when it
 * returns (the WAL is fsynced at every commit), and a busy timeout for multi-process use.
 */
export function openSqliteDatabase(
  options: SqliteConnectionOptions,
  synchronous: 'FULL' | 'NORMAL' = 'FULL',
): Database.Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = new Database(options.path, { timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    if (options.path !== ':memory:') switchToWal(db, options.path, busyTimeoutMs);
    db.pragma(`synchronous = ${synchronous}`);
    // Event ids are random uuids, so each insert dirties a random page of the id index. A larger
    // page cache and fewer, larger checkpoints keep a group commit from rewriting the same pages
    // (measured: ~2x append throughput); journal_size_limit trims the WAL file after a checkpoint.
    db.pragma('cache_size = -65536');
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 67108864');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once
 * there instead of calling the busy handler: two processes opening a fresh file together would
 * fail (seen in the crash test). So retry with backoff up to the busy timeout. Start-up only.
 */
export function switchToWal(db: Database.Database, path: string, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, 50)) {
    try {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`${path}: cannot switch to WAL (journal_mode=${String(mode)})`);
      return;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
    }
  }
}

export function createEventsSchema(db: Database.Database): void {
  createSchema(db, EVENTS_DDL);
}

/**
 * In a BEGIN IMMEDIATE transaction: "IF NOT EXISTS" reads the schema and then writes, and a reader
 * turned writer after another process committed gets SQLITE_BUSY at once, busy timeout or not.
 */
export function createSchema(db: Database.Database, ddl: string): void {
  db.transaction(() => db.exec(ddl)).immediate();
}
