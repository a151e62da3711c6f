import Database from 'better-sqlite3';
import { switchToWal } from '@ledger/event-store/sqlite';

export type ReadModelDatabase = Database.Database;

/** `<dataDir>/read-models.sqlite`: the read models of this node, apart from the event log. */
export const READ_MODELS_FILE = 'read-models.sqlite';

const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens the read-model file (or ':memory:' for verification replays and tests).
 * WAL so queries never wait for the runner. `synchronous = NORMAL` rather than FULL, because the
 * file is derived data whose checkpoint travels with its rows:
 * - in WAL mode a transaction is in the file whole or not at all: a commit frame ends it, and a
 *   WAL tail without one (a process killed mid-write, a power cut) is ignored on recovery;
 * - NORMAL skips only the fsync at each commit (the WAL is synced at checkpoints): a power cut may
 *   lose the last committed batches, never half of one, and the checkpoint lost with them says
 *   where to read the log again, so the runner re-applies exactly those events;
 * - a killed process loses nothing committed (the OS has the writes). test/projections/
 *   projections-kill.spec.ts kills the runner -9 mid-batch: the file is whole and catches up.
 * FULL would cost an fsync per live batch for data the log can always give back.
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
