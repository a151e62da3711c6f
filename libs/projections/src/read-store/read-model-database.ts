import Database from 'better-sqlite3';
import { switchToWal } from '@ledger/event-store/sqlite';

export type ReadModelDatabase = Database.Database;

/** `<dataDir>/read-models.sqlite`: the read models of this node, apart from the event log. */
export const READ_MODELS_FILE = 'read-models.sqlite';

const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the read-model file (or ':memory:' for verification replays and tests).
 * WAL so queries never wait for the runner. `synchronous = NORMAL` rather than FULL: a power cut may
 * lose the last committed batches, but never half of one (rows and checkpoint share a
 * transaction), and the runner simply re-applies them from the log: read models are derived data.
 */
export function openReadModelDatabase(path: string): ReadModelDatabase {
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    // Several nodes on one data dir open this file together: wait for each other, never fail at once.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (path !== ':memory:') switchToWal(db, path, BUSY_TIMEOUT_MS);
    db.pragma('synchronous = NORMAL');
    // Rebuilds write millions of rows: a larger page cache keeps index pages of hot accounts in memory.
    db.pragma('cache_size = -65536');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
