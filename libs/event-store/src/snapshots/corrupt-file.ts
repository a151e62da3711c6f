import type Database from 'better-sqlite3';
import { existsSync, renameSync } from 'node:fs';

/** SQLite's answers for a file that is not (or no longer) a database it can read. */
const CORRUPT_CODES = ['SQLITE_NOTADB', 'SQLITE_CORRUPT'];

export function isCorruptFileError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CORRUPT_CODES.some((prefix) => code.startsWith(prefix));
}

/**
 * Moves a corrupt file (and its -wal and -shm) aside as `<file>.corrupt-<timestamp>`, kept for a
 * post-mortem, never deleted. Only for derived files (read models, snapshots): the log is never
 * set aside. Returns the new name.
 */
export function setAsideCorruptFile(path: string, now = new Date()): string {
  const aside = `${path}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm'])
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  return aside;
}

/**
 * Opens a derived database file (a cache or read models that can be rebuilt from the log): when
 * SQLite says it is not a database or is corrupt, the file is set aside, `onSetAside` names both
 * files (a warn line), and a fresh one is opened in its place, to be rebuilt.
 */
export function openDerivedDatabase(
  path: string,
  open: () => Database.Database,
  onSetAside: (message: string) => void = (message) => console.warn(message),
): Database.Database {
  try {
    return probed(open());
  } catch (error) {
    if (path === ':memory:' || !isCorruptFileError(error)) throw error;
    const aside = setAsideCorruptFile(path);
    onSetAside(
      `${path} is corrupt (${(error as Error).message}): moved to ${aside}; starting a fresh one, rebuilt from the log`,
    );
    return probed(open());
  }
}

/** Reads the schema once: a file with a damaged header or schema fails here, not at the first query. */
function probed(db: Database.Database): Database.Database {
  try {
    db.prepare('SELECT COUNT(*) FROM sqlite_master').pluck().get();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
