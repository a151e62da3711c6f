import { SqliteEventStore } from '@ledger/event-store/sqlite';
import {
  openReadModelDatabase,
  ProjectionBatchApplier,
  ProjectionRunner,
  storedQuarantines,
  type Projection,
  type ReadModelDatabase,
} from '@ledger/projections';
import { rateCard, T0 } from '@ledger/domain/testing/fixtures';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerSimulation } from './support/ledger-simulation';

/**
 * Numbers each account's events in the order it applies them (n = 1, 2, 3 … per account): a stream
 * applied out of order, or with an event skipped, numbers differently from a clean rebuild. Throws
 * on the purchases of the account named "sick" while `sick.broken` (a bug, or a transient fault).
 */
function sequencingProjection(sick: { broken: boolean }): Projection {
  return {
    name: 'sequencing',
    version: 1,
    tables: [{ name: 'sequenced', key: ['account_id', 'n'] }],
    createSchema: (db) =>
      db.exec(`CREATE TABLE IF NOT EXISTS sequenced (
        account_id TEXT NOT NULL, n INTEGER NOT NULL, position INTEGER NOT NULL, type TEXT NOT NULL,
        PRIMARY KEY (account_id, n))`),
    openWriter: (db) => {
      const last = db
        .prepare<[string], number>('SELECT COALESCE(MAX(n), 0) FROM sequenced WHERE account_id = ?')
        .pluck();
      const insert = db.prepare<[string, number, bigint, string]>(
        'INSERT INTO sequenced (account_id, n, position, type) VALUES (?, ?, ?, ?)',
      );
      return {
        apply: (e) => {
          if (e.stream !== 'account') return;
          if (sick.broken && e.accountId === 'sick' && e.event.type === 'CreditsPurchased')
            throw new Error('cannot read this purchase (yet)');
          insert.run(e.accountId, (last.get(e.accountId) ?? 0) + 1, e.position, e.event.type);
        },
        flush: () => undefined,
        discard: () => undefined,
      };
    },
  };
}

/** Polls with a bound (never a fixed sleep). */
async function eventually(condition: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

describe('a quarantined stream is released in order (real SQLite log and read-model file)', () => {
  let dir: string;
  let store: SqliteEventStore;
  let db: ReadModelDatabase;
  let ledger: LedgerSimulation;
  let runner: ProjectionRunner;
  const rows = (database: ReadModelDatabase) =>
    database.prepare('SELECT * FROM sequenced ORDER BY account_id, n').all();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-quarantine-'));
    store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
    db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    ledger = new LedgerSimulation(store, rateCard);
  });
  afterEach(async () => {
    await runner.close();
    db.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const purchase = (accountId: string, purchaseId: string, at: number) =>
    ledger.run(
      'PurchaseCredits',
      { purchaseId, accountId, credits: '100', amountPaid: { amountMinor: 1000, currency: 'USD' } },
      at,
    );
  const usage = (accountId: string, usageId: string, at: number) =>
    ledger.run(
      'RecordUsage',
      { usageId, accountId, product: 'codex', operation: 'local_message', quantity: 1 },
      at,
    );

  /** The same log replayed by a fresh applier into a fresh file, with the projection fixed. */
  async function cleanRebuild(): Promise<unknown[]> {
    const fresh = openReadModelDatabase(join(dir, 'clean.sqlite'));
    try {
      const applier = new ProjectionBatchApplier(fresh, [sequencingProjection({ broken: false })]);
      applier.apply(await store.readAll({}), ledger.lastPosition);
      return rows(fresh);
    } finally {
      fresh.close();
    }
  }

  it('once the fault heals, the retry applies the poison and the held-back events in order: the rows equal a clean rebuild', async () => {
    const sick = { broken: true };
    runner = new ProjectionRunner(
      store,
      new ProjectionBatchApplier(db, [sequencingProjection(sick)], { eventRetryDelayMs: 50 }),
      { onError: () => undefined },
    );
    runner.start();
    await ledger.run('OpenAccount', { accountId: 'sick', plan: 'plus' }, T0);
    await ledger.run('OpenAccount', { accountId: 'well', plan: 'plus' }, T0);
    await purchase('sick', 'p-1', T0 + 1);
    for (let i = 0; i < 3; i++) {
      await usage('sick', `s-${i}`, T0 + 2 + i);
      await usage('well', `w-${i}`, T0 + 2 + i);
    }
    const head = ledger.lastPosition;

    // The other account and the checkpoint move on; the sick stream is held back after its poison.
    expect(await runner.waitForPosition(head, 5_000)).toBe(true);
    const [q] = storedQuarantines(db);
    expect(q).toMatchObject({ projection: 'sequencing', stream: 'account-sick', heldBack: 3 });
    expect(db.prepare("SELECT COUNT(*) FROM sequenced WHERE account_id = 'well'").pluck().get()).toBe(4);
    expect(db.prepare("SELECT COUNT(*) FROM sequenced WHERE account_id = 'sick'").pluck().get()).toBe(1);
    // Retries while still broken count attempts and keep everything held back.
    expect(await eventually(() => (storedQuarantines(db)[0]?.attempts ?? 0) >= 2)).toBe(true);
    expect(db.prepare("SELECT COUNT(*) FROM sequenced WHERE account_id = 'sick'").pluck().get()).toBe(1);

    sick.broken = false;
    expect(await eventually(() => storedQuarantines(db).length === 0)).toBe(true);
    expect(runner.status().failures).toEqual([]);
    expect(runner.status().failure).toBeUndefined();
    expect(rows(db)).toEqual(await cleanRebuild());

    // The released stream follows the log again.
    await usage('sick', 's-after', T0 + 10);
    expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
    expect(rows(db)).toEqual(await cleanRebuild());
  });

  it('a rebuild with the code fixed lifts the quarantine and applies the stream in order', async () => {
    const sick = { broken: true };
    const applier = new ProjectionBatchApplier(db, [sequencingProjection(sick)], {
      eventRetryDelayMs: 3_600_000,
    });
    runner = new ProjectionRunner(store, applier, { onError: () => undefined });
    runner.start();
    await ledger.run('OpenAccount', { accountId: 'sick', plan: 'plus' }, T0);
    await purchase('sick', 'p-1', T0 + 1);
    await usage('sick', 's-1', T0 + 2);
    expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
    expect(runner.status().failures).toMatchObject([{ stream: 'account-sick', kind: 'event' }]);

    sick.broken = false;
    await runner.rebuild(['sequencing']);
    expect(await runner.waitForPosition(ledger.lastPosition, 5_000)).toBe(true);
    expect(storedQuarantines(db)).toEqual([]);
    expect(runner.status().failures).toEqual([]);
    expect(rows(db)).toEqual(await cleanRebuild());
  });
});
