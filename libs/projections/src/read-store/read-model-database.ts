import Database from 'better-sqlite3';

export type ReadModelDatabase = Database.Database;

/** `<dataDir>/read-models.sqlite`: the read models of this node, apart from the event log. */
export const READ_MODELS_FILE = 'read-models.sqlite';

/**
 * Opens the read-model file (or ':memory:' for verification replays and tests).
 * WAL so queries never wait for the runner. `synchronous = NORMAL` rather than FULL: a power cut may
 * lose the last committed batches, but never half of one (rows and checkpoint share a
 * transaction), and the runner simply re-applies them from the log: read models are derived data.
 */
export function openReadModelDatabase(path: string): ReadModelDatabase {
  const db = new Database(path);
  try {
    if (path !== ':memory:') {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`${path}: cannot switch to WAL (journal_mode=${String(mode)})`);
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    // Rebuilds write millions of rows: a larger page cache keeps index pages of hot accounts in memory.
    db.pragma('cache_size = -65536');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
