import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { LedgerReadSide, rebuildReadModelFile } from '@ledger/projections';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeSyntheticLog } from '../../bench/projections.bench';

const ROOT = resolve(__dirname, '..', '..');
const CHILD = join(__dirname, 'support', 'apply-until-killed.ts');

/** Starts the child, waits until it applies, lets it run `ms` more, then kill -9. */
async function killWhileApplying(mode: 'live' | 'rebuild', dir: string, ms: number): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--require', join(ROOT, 'test/support/register-ts.js'), CHILD, mode, dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  await new Promise<void>((started, failed) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('applying')) started();
    });
    child.on('exit', () => failed(new Error(`child exited before applying: ${out}`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGKILL');
  await exited;
  return out;
}

function integrity(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** Every row of every table, hashed: the read models as a reader sees them. */
function contents(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const hash = createHash('sha256');
    for (const table of db
      .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all())
      for (const row of db
        .prepare(`SELECT * FROM "${table}" ORDER BY 1, 2`)
        .raw(true)
        .safeIntegers(true)
        .iterate())
        hash.update(JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

/**
 * The read-model file's durability (WAL, synchronous NORMAL, rows and checkpoint in one
 * transaction; see read-model-database.ts) and `ledger rebuild`'s swap (see rebuild-read-models.ts),
 * checked against kill -9 of the process applying events.
 */
describe('kill -9 of a process applying the read models', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-projections-kill-'));
    store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
    await writeSyntheticLog(store, 30_000, 2_000);
  }, 120_000);
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const readModels = () => join(dir, 'read-models.sqlite');

  it('live batches: each kill leaves a whole file whose rows match its checkpoints, and it catches up', async () => {
    for (const ms of [150, 400, 250]) {
      const out = await killWhileApplying('live', dir, ms);
      expect(out).not.toContain('caught up');
      expect(integrity(readModels())).toBe('ok');
    }
    const readSide = LedgerReadSide.open({ store, databasePath: readModels() });
    try {
      readSide.start();
      expect(await readSide.catchUp(120_000)).toBe(true);
      expect((await readSide.verify()).mismatches).toEqual([]);
    } finally {
      await readSide.close();
    }
  }, 300_000);

  it('a rebuild killed half-way leaves the live read models untouched; the next one removes its file', async () => {
    const before = contents(readModels());
    const out = await killWhileApplying('rebuild', dir, 300);
    expect(out).not.toContain('rebuilt');
    expect(readdirSync(dir).filter((name) => name.includes('.rebuild-')).length).toBeGreaterThan(0);
    expect(integrity(readModels())).toBe('ok');
    expect(contents(readModels())).toBe(before);
    // The same log rebuilt on one thread elsewhere, and then over the live file on two.
    const oneThread = await rebuildReadModelFile({
      store,
      databasePath: join(dir, 'rebuilt.sqlite'),
      threads: 1,
    });
    expect(oneThread.position).toBe(await store.headPosition());
    await rebuildReadModelFile({
      store,
      databasePath: readModels(),
      eventsPath: join(dir, 'events.sqlite'),
      threads: 2,
    });
    expect(readdirSync(dir).filter((name) => name.includes('.rebuild-'))).toEqual([]);
    expect(contents(readModels())).toBe(contents(join(dir, 'rebuilt.sqlite')));
    // A WAL file (header bytes 18–19), as every reader of the live file expects.
    expect([...readFileSync(readModels()).subarray(18, 20)]).toEqual([2, 2]);
  }, 300_000);
});
