import { SqliteEventStore } from '@ledger/event-store/sqlite';
import {
  LEDGER_PROJECTIONS,
  openReadModelDatabase,
  ProjectionBatchApplier,
  ProjectionRunner,
  type Projection,
  type ReadModelDatabase,
} from '@ledger/projections';
import { rateCard, T0 } from '@ledger/domain/testing/fixtures';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerSimulation } from './support/ledger-simulation';

/** Counts the events it sees; throws on the account named "poison" (a projection bug). */
function countingProjection(version = 1): Projection {
  return {
    name: 'counting',
    version,
    tables: [{ name: 'counted', key: ['position'] }],
    indexes: 'CREATE INDEX IF NOT EXISTS counted_by_type ON counted (type, position)',
    createSchema: (db) =>
      db.exec('CREATE TABLE IF NOT EXISTS counted (position INTEGER PRIMARY KEY, type TEXT NOT NULL)'),
    openWriter: (db) => {
      const insert = db.prepare<[bigint, string]>('INSERT INTO counted (position, type) VALUES (?, ?)');
      return {
        apply: (e) => {
          if (e.stream === 'account' && e.accountId === 'poison') throw new Error('projection bug');
          insert.run(e.position, e.event.type);
        },
        flush: () => undefined,
        discard: () => undefined,
      };
    },
  };
}

describe('ProjectionRunner (real SQLite event store)', () => {
  let dir: string;
  let store: SqliteEventStore;
  let db: ReadModelDatabase;
  let ledger: LedgerSimulation;
  let runners: ProjectionRunner[];

  const count = (table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  const indexed = () =>
    db
      .prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'counted_by_type'")
      .pluck()
      .get() === 1;
  const startRunner = (projections: readonly Projection[], batchSize = 100, onCommit?: () => void) => {
    const runner = new ProjectionRunner(store, new ProjectionBatchApplier(db, projections), {
      batchSize,
      onError: () => undefined,
      onCommit,
    });
    runners.push(runner);
    runner.start();
    return runner;
  };
  const openAccounts = async (n: number, prefix = 'acct') => {
    for (let i = 0; i < n; i++)
      await ledger.run('OpenAccount', { accountId: `${prefix}-${i}`, plan: 'plus' }, T0);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runner-'));
    store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    ledger = new LedgerSimulation(store, rateCard);
    runners = [];
  });

  afterEach(async () => {
    for (const runner of runners) await runner.close();
    db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('catches up in batches, then applies live events exactly once, in order', async () => {
    await openAccounts(250);
    const runner = startRunner([countingProjection()]);
    expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
    expect(count('counted')).toBe(250);
    await openAccounts(3, 'live');
    expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
    expect(count('counted')).toBe(253);
    const positions = db.prepare('SELECT position FROM counted ORDER BY rowid').pluck().all() as number[];
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('resumes from its checkpoint after a restart without re-applying anything', async () => {
    await openAccounts(20);
    const first = startRunner([countingProjection()]);
    await first.waitForPosition(ledger.lastPosition, 5_000);
    await first.close();
    await openAccounts(5, 'later');
    // A re-applied event would violate the PRIMARY KEY and fail the runner.
    const second = startRunner([countingProjection()]);
    expect(await second.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
    expect(second.status().failure).toBeUndefined();
    expect(count('counted')).toBe(25);
  });

  it('rebuilds a projection whose code version changed, and only that one', async () => {
    await openAccounts(10);
    const first = startRunner([countingProjection(1), ...LEDGER_PROJECTIONS]);
    await first.waitForPosition(ledger.lastPosition, 5_000);
    await first.close();
    db.exec('DELETE FROM counted WHERE position > 5'); // damage that only a rebuild repairs
    const applier = new ProjectionBatchApplier(db, [countingProjection(2), ...LEDGER_PROJECTIONS]);
    expect(applier.rebuiltOnOpen).toEqual(['counting']);
    expect(applier.positions().get('counting')).toBe(0n);
    expect(applier.positions().get('journal')).toBe(ledger.lastPosition);
    const second = new ProjectionRunner(store, applier);
    runners.push(second);
    second.start();
    expect(await second.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
    expect(count('counted')).toBe(10);
    expect(count('journal_entries')).toBe(10);
  });

  it('drops and rebuilds on demand to the same rows', async () => {
    await openAccounts(30);
    const runner = startRunner(LEDGER_PROJECTIONS);
    await runner.waitForPosition(ledger.lastPosition, 5_000);
    const before = db.prepare('SELECT * FROM timeline_events ORDER BY position').all();
    await runner.rebuild(['timeline']);
    expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
    expect(db.prepare('SELECT * FROM timeline_events ORDER BY position').all()).toEqual(before);
  });

  it('quarantines the stream of an event it cannot apply, that event named, nothing of it written; other streams go on past it', async () => {
    await openAccounts(3);
    const runner = startRunner([countingProjection()], 1_000);
    await runner.waitForPosition(ledger.lastPosition, 5_000);
    await ledger.run('OpenAccount', { accountId: 'fine', plan: 'plus' }, T0);
    await ledger.run('OpenAccount', { accountId: 'poison', plan: 'plus' }, T0);
    const poison = ledger.lastPosition;
    await ledger.run('OpenAccount', { accountId: 'after', plan: 'plus' }, T0);
    expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
    expect(runner.status().failure?.message).toMatch(
      /cannot apply the event at position \d+ \(stream "account-poison".*\): projection bug/,
    );
    expect(runner.status().failures).toMatchObject([
      { projection: 'counting', kind: 'event', position: poison, stream: 'account-poison' },
    ]);
    // Every event but the poison is applied, in whichever batch it came.
    expect(runner.position()).toBe(ledger.lastPosition);
    expect(count('counted')).toBe(Number(ledger.lastPosition) - 1);
    expect(db.prepare('SELECT COUNT(*) FROM counted WHERE position = ?').pluck().get(poison)).toBe(0);
  });

  it('answers waiters when the position is reached, false after the bound', async () => {
    const runner = startRunner([countingProjection()]);
    const waiting = runner.waitForPosition(2n, 5_000);
    await openAccounts(2);
    await expect(waiting).resolves.toBe(true);
    await expect(runner.waitForPosition(10n, 50)).resolves.toBe(false);
  });

  it('holds commits while paused and catches up on resume', async () => {
    const runner = startRunner([countingProjection()]);
    runner.pause();
    await openAccounts(4);
    expect(await runner.waitForPosition(ledger.lastPosition, 200)).toBe(false);
    expect(count('counted')).toBe(0);
    runner.resume();
    expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
    expect(count('counted')).toBe(4);
  });

  describe('secondary indexes of a projection rebuilt from 0', () => {
    const commits: { rows: number; indexed: boolean }[] = [];
    const watch = () => commits.push({ rows: count('counted'), indexed: indexed() });
    beforeEach(() => commits.splice(0));

    it('are built with the last catch-up page, not kept up row by row before it', async () => {
      await openAccounts(250);
      const runner = startRunner([countingProjection()], 100, watch);
      expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
      expect(commits).toEqual([
        { rows: 100, indexed: false },
        { rows: 200, indexed: false },
        { rows: 250, indexed: true },
      ]);
      await openAccounts(2, 'live');
      expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
      expect(count('counted')).toBe(252);
      expect(indexed()).toBe(true);
    });

    it('are built with a full page that reaches the head (a log of whole pages)', async () => {
      await openAccounts(200);
      const runner = startRunner([countingProjection()], 100, watch);
      expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
      // Reaching the head is reaching it indexed: no reader sees the rebuilt rows unindexed.
      expect(commits).toEqual([
        { rows: 100, indexed: false },
        { rows: 200, indexed: true },
      ]);
    });

    it('are built at once on an empty log', async () => {
      const committed = new Promise<void>((resolve) => {
        startRunner([countingProjection()], 100, () => {
          watch();
          resolve();
        });
      });
      await committed;
      expect(commits).toEqual([{ rows: 0, indexed: true }]);
    });

    it('are built on open when a process stopped mid-rebuild left rows without them', async () => {
      await openAccounts(30);
      const first = new ProjectionBatchApplier(db, [countingProjection()]);
      first.apply(await store.readAll({ maxCount: 20 }), 0n);
      expect(count('counted')).toBe(20);
      expect(indexed()).toBe(false);
      // A restart: the projection is current and past 0, so its rows may be queried now.
      const reopened = new ProjectionBatchApplier(db, [countingProjection()]);
      expect(indexed()).toBe(true);
      expect(reopened.indexesPending()).toBe(false);
    });

    it('are dropped with the tables of a rebuild and built again at its end', async () => {
      await openAccounts(50);
      const runner = startRunner([countingProjection()], 100, watch);
      expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
      expect(indexed()).toBe(true);
      commits.splice(0);
      await runner.rebuild();
      expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
      expect(commits).toEqual([{ rows: 50, indexed: true }]);
    });
  });
});
