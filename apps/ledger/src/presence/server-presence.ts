import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * "A server is here": `<dataDir>/servers/<host>-<pid>-<random>`, one file per server process (the
 * name is unique even for two containers that share the volume and both run as pid 1), made at start and
 * removed at shutdown. Shared, not exclusive: several servers may run on one data dir (they share
 * the SQLite log); what must not run beside them is `ledger rebuild`, which drops their read models.
 * A server killed with -9 leaves its file behind: a pid that no longer runs here is stale.
 */
function presenceDir(dataDir: string): string {
  return path.join(dataDir, 'servers');
}

interface Presence {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

/** Marks this process as a server on the data dir; the returned function takes the mark away. */
export function announceServer(dataDir: string): () => void {
  const dir = presenceDir(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const name = `${os.hostname().replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const file = path.join(dir, name);
  const presence: Presence = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  // Written aside and renamed into place: a reader never sees half a mark.
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(presence) + '\n');
  fs.renameSync(`${file}.tmp`, file);
  const remove = () => fs.rmSync(file, { force: true });
  process.once('exit', remove);
  return () => {
    process.removeListener('exit', remove);
    remove();
  };
}

/** The pids of the servers running on the data dir now (stale marks are removed on the way). */
export function runningServers(dataDir: string): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(presenceDir(dataDir));
  } catch {
    return [];
  }
  const running: number[] = [];
  for (const name of names.filter((n) => !n.endsWith('.tmp'))) {
    const file = path.join(presenceDir(dataDir), name);
    const presence = readPresence(file);
    // Another machine's server (a data dir on a shared volume) cannot be probed: it counts as running.
    if (presence !== undefined && (presence.host !== os.hostname() || isAlive(presence.pid))) {
      running.push(presence.pid);
    } else if (presence !== undefined) {
      fs.rmSync(file, { force: true });
    }
  }
  return running.sort((a, b) => a - b);
}

function readPresence(file: string): Presence | undefined {
  try {
    const presence = JSON.parse(fs.readFileSync(file, 'utf8')) as Presence;
    return Number.isSafeInteger(presence.pid) ? presence : undefined;
  } catch {
    return undefined; // removed meanwhile, or still being written
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
