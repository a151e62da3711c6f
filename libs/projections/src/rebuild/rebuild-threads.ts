import Database from 'better-sqlite3';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CheckpointTable } from '../read-store/checkpoints';
import { QuarantineTable, storedQuarantines } from '../read-store/quarantine-table';
import type { Projection } from '../runner/projection';
import { finishFreshFile } from './fresh-read-model-file';
import type { FromRebuildWorker, RebuildWorkerData } from './rebuild-worker';
import type { Replayed } from './replay-into-file';

/**
 * How the ledger's projections are shared between the two threads of a rebuild, by what each
 * costs per event (profiled on the bench log: journal + credit balances ≈ timeline + allowance
 * windows). A projection not listed goes with the first share.
 */
export const THREAD_SHARES: readonly (readonly string[])[] = [
  ['journal', 'credit-balances'],
  ['timeline', 'allowance-windows', 'organizations'],
];

/** The projections of each thread, or undefined: one thread (a log not in a file, a partial rebuild). */
export function threadShares(
  options: { readonly eventsPath?: string; readonly threads?: number },
  projections: readonly Projection[],
  names: ReadonlySet<string>,
): string[][] | undefined {
  if (options.eventsPath === undefined || (options.threads ?? defaultThreads()) < 2) return undefined;
  if (!projections.every((p) => names.has(p.name))) return undefined;
  const shares = THREAD_SHARES.map((share) =>
    projections.filter((p) => share.includes(p.name)).map((p) => p.name),
  );
  for (const p of projections) if (!shares.some((share) => share.includes(p.name))) shares[0].push(p.name);
  const used = shares.filter((share) => share.length > 0);
  return used.length < 2 ? undefined : used;
}

/**
 * Two threads when a core is free, else one. Measured on the bench log (120k events, CPU time per
 * event): all four projections on one thread 44.6 µs; journal + credit balances 27–28 µs and
 * timeline + allowance windows 30–31 µs, each thread reading and parsing the log itself. On an idle
 * 2-core machine two threads so take ≈ 31 µs an event instead of 45 (≈ 1.4×); on a machine whose
 * cores are busy (load 10 on 2 cores, measured) they cost 30% more CPU and gain nothing.
 */
function defaultThreads(): number {
  const cores = availableParallelism();
  return cores >= 2 && loadavg()[0] <= cores - 1 ? 2 : 1;
}

/**
 * Each share replayed by its own thread into `<building>-<i>`, up to `head`; the other files'
 * tables, checkpoints and quarantines are then copied into the first (rows copied page by page by
 * SQLite, no decoding), which becomes `building`, finished (WAL, fsync) and ready to swap in.
 * Progress: the position all threads reached, and the events the slowest one applied.
 */
export async function replayInThreads(
  eventsPath: string,
  building: string,
  shares: readonly (readonly string[])[],
  head: bigint,
  pageSize: number,
  onProgress?: (position: bigint, events: number) => void,
): Promise<Replayed> {
  const files = shares.map((_, i) => `${building}-${i}`);
  const positions = shares.map(() => 0n);
  const applied = shares.map(() => 0);
  let reported = 0;
  const report = () => {
    const slowest = applied.reduce((min, n) => Math.min(min, n), Infinity);
    const position = positions.reduce((min, p) => (p < min ? p : min));
    onProgress?.(position, slowest - reported);
    reported = slowest;
  };
  const workers = shares.map((projections, i) =>
    runWorker(
      { eventsPath, file: files[i], projections, head: head.toString(), pageSize },
      (position, events) => {
        positions[i] = position;
        applied[i] += events;
        report();
      },
    ),
  );
  const results = await Promise.allSettled(workers);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return { events: applied[0], ...mergeFiles(files, building, shares) };
}

function runWorker(
  data: RebuildWorkerData,
  onPage: (position: bigint, events: number) => void,
): Promise<void> {
  const worker = startRebuildWorker(data);
  return new Promise<void>((done, fail) => {
    let settled = false;
    worker.on('message', (message: FromRebuildWorker) => {
      if (message.kind === 'page') onPage(BigInt(message.position), message.events);
      else if (message.kind === 'done') settled = true;
      else {
        settled = true;
        const error = new Error(message.message);
        if (message.stack !== undefined) error.stack = message.stack;
        fail(error);
      }
    });
    worker.on('error', (error) => {
      settled = true;
      fail(error);
    });
    worker.on('exit', (code) => {
      if (!settled) fail(new Error(`rebuild thread exited (code ${code}) before it finished`));
      else done();
    });
  });
}

/** The compiled worker, or its TypeScript source through the transpile-only hook the tests use. */
function startRebuildWorker(workerData: RebuildWorkerData): Worker {
  const js = join(__dirname, 'rebuild-worker.js');
  if (existsSync(js)) return new Worker(js, { workerData });
  const hook = resolve(__dirname, '..', '..', '..', '..', 'test', 'support', 'register-ts.js');
  return new Worker(join(__dirname, 'rebuild-worker.ts'), { workerData, execArgv: ['--require', hook] });
}

function mergeFiles(
  files: readonly string[],
  building: string,
  shares: readonly (readonly string[])[],
): Omit<Replayed, 'events'> {
  let merged: Omit<Replayed, 'events'>;
  const db = new Database(files[0]);
  try {
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const checkpoints = new CheckpointTable(db);
    const quarantines = new QuarantineTable(db);
    for (let i = 1; i < files.length; i++) {
      const shareDb = new Database(files[i], { readonly: true });
      const shareQuarantines = storedQuarantines(shareDb);
      shareDb.close();
      db.prepare('ATTACH DATABASE ? AS share').run(files[i]);
      try {
        const tables = db
          .prepare<[], { name: string; sql: string }>(
            "SELECT name, sql FROM share.sqlite_master WHERE type = 'table' AND name NOT LIKE 'projection\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
          )
          .all();
        const indexes = db
          .prepare<[], string>("SELECT sql FROM share.sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
          .pluck()
          .all();
        db.transaction(() => {
          for (const table of tables) {
            db.exec(table.sql);
            db.exec(`INSERT INTO main."${table.name}" SELECT * FROM share."${table.name}"`);
          }
          for (const index of indexes) db.exec(index);
          const stored = db
            .prepare<[], { projection: string; version: bigint; position: bigint }>(
              'SELECT projection, version, position FROM share.projection_checkpoints',
            )
            .safeIntegers(true)
            .all();
          for (const row of stored)
            if (shares[i].includes(row.projection))
              checkpoints.write({
                projection: row.projection,
                version: Number(row.version),
                position: row.position,
              });
          for (const q of shareQuarantines) if (shares[i].includes(q.projection)) quarantines.write(q);
          db.exec(`INSERT INTO main.projection_log_anchor SELECT * FROM share.projection_log_anchor
                   WHERE position > coalesce((SELECT max(position) FROM main.projection_log_anchor), -1)
                   ON CONFLICT (id) DO UPDATE SET position = excluded.position, event_id = excluded.event_id`);
        })();
      } finally {
        db.exec('DETACH DATABASE share');
      }
    }
    const position = db
      .prepare<[], bigint>('SELECT min(position) FROM projection_checkpoints')
      .pluck()
      .safeIntegers(true)
      .get();
    merged = { position: position ?? 0n, quarantined: storedQuarantines(db) };
    finishFreshFile(db, files[0]);
  } finally {
    if (db.open) db.close();
  }
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(building + suffix, { force: true });
  renameSync(files[0], building);
  for (const file of files.slice(1)) rmSync(file, { force: true });
  return merged;
}
