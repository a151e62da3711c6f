import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ReadModelDatabase } from '../read-store/read-model-database';

const SIDE_FILES = ['-journal', '-wal', '-shm'] as const;

/** `<file>.rebuild-<pid>`: where a rebuild writes, beside the file it replaces (same file system: rename is atomic). */
export function rebuildFileOf(target: string, pid = process.pid): string {
  return `${target}.rebuild-${pid}`;
}

/**
 * Removes what rebuilds killed before their swap left beside `target` (files of processes no
 * longer running). The live file is never touched: a crash mid-rebuild leaves it as it was.
 */
export function removeAbandonedRebuilds(target: string): void {
  const prefix = `${basename(target)}.rebuild-`;
  for (const name of readdirSync(dirname(target))) {
    if (!name.startsWith(prefix)) continue;
    // `<pid>`, `<pid>-<thread>`, and their -journal, -wal, -shm.
    const pid = Number(/^\d+/.exec(name.slice(prefix.length))?.[0]);
    if (Number.isSafeInteger(pid) && pid !== process.pid && isRunning(pid)) continue;
    rmSync(join(dirname(target), name), { force: true });
  }
}

/**
 * A new file only this process knows: nothing reads it until the swap, and a crash throws it away.
 * So no durability while it fills: no fsync (synchronous OFF), the rollback journal in memory (a
 * savepoint must still roll back: a poison event's share is undone and its stream quarantined),
 * the lock taken once (EXCLUSIVE) rather than per transaction, and a page cache for the rows of
 * every hot account. `finishFreshFile` makes it a durable WAL file.
 */
export function openFreshFile(path: string): ReadModelDatabase {
  for (const suffix of ['', ...SIDE_FILES]) rmSync(path + suffix, { force: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    // main only: the live file, attached to copy the projections not rebuilt, keeps normal locking.
    db.pragma('main.locking_mode = EXCLUSIVE');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -262144');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** WAL (what every reader of the live file expects), written through to the disk, closed. */
export function finishFreshFile(db: ReadModelDatabase, path: string): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`${path}: cannot switch to WAL (journal_mode=${String(mode)})`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  for (const suffix of SIDE_FILES)
    if (existsSync(path + suffix))
      throw new Error(`${path}${suffix} left after close: the file is not whole`);
  fsyncPath(path);
}

/**
 * Puts the rebuilt file in the place of `target` with one rename, then makes the rename durable.
 * Every connection to `target` in this process must be closed. A WAL left beside `target` (its
 * last writer was killed) is folded into it first: a stale WAL beside the new file would be
 * replayed onto it. A file that cannot be opened for that is moved aside, never deleted.
 */
export function swapIntoPlace(rebuilt: string, target: string): void {
  if (existsSync(`${target}-wal`)) settleWal(target);
  renameSync(rebuilt, target);
  rmSync(`${target}-shm`, { force: true });
  fsyncPath(dirname(target));
}

function settleWal(target: string): void {
  try {
    const old = new Database(target, { timeout: 5_000 });
    try {
      old.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      old.close();
    }
  } catch {
    const aside = `${target}.replaced-${Date.now()}`;
    for (const suffix of ['', ...SIDE_FILES])
      if (existsSync(target + suffix)) renameSync(target + suffix, aside + suffix);
    return;
  }
  // Closed by its last connection, SQLite deletes the WAL: one still there is another connection's.
  if (existsSync(`${target}-wal`))
    throw new Error(`${target} is open in another process: its read models cannot be replaced now`);
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
