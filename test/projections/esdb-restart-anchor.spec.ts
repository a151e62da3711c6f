import { EsdbEventStore } from '@ledger/event-store/esdb';
import { LEDGER_PROJECTIONS, LedgerReadSide } from '@ledger/projections';
import { rateCard, T0 } from '@ledger/domain/testing/fixtures';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';
import { LedgerSimulation } from './support/ledger-simulation';

/** Bounded polling (no fixed sleep): true once `check` holds, false after `timeoutMs`. */
async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

async function someHistory(sim: LedgerSimulation, accountId: string, purchases: number): Promise<void> {
  await sim.run('OpenAccount', { accountId, plan: 'plus' }, T0);
  for (let i = 0; i < purchases; i++)
    await sim.run(
      'PurchaseCredits',
      {
        purchaseId: `p-${accountId}-${i}`,
        accountId,
        credits: '1',
        amountPaid: { amountMinor: 1, currency: 'USD' },
      },
      T0 + i + 1,
    );
}

/**
 * On EventStoreDB the checkpoints also move on the subscription's own checkpoints, which lie after
 * the last user event when the server wrote its own events after it: a restart must not take that
 * for a foreign log (it used to rebuild every read model), and an older log is still recognised.
 */
describe('read models on EventStoreDB across a restart (log anchor)', () => {
  let double: EsdbDouble;
  let store: EsdbEventStore;
  let dir: string;
  let databasePath: string;
  const others: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    double = await startEsdbDouble({ systemEvents: { statsEvery: 1 } });
    store = new EsdbEventStore(double.connectionString);
    dir = mkdtempSync(join(tmpdir(), 'ledger-esdb-anchor-'));
    databasePath = join(dir, 'read-models.sqlite');
  });

  afterEach(async () => {
    for (const close of others.splice(0)) await close();
    await store.close();
    await double.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Read models made from `store`, closed with checkpoints past the log's last user event. */
  async function readModelsPastTheUserHead(): Promise<ReadonlyMap<string, bigint>> {
    const sim = new LedgerSimulation(store, rateCard);
    const readSide = LedgerReadSide.open({ store, databasePath });
    readSide.start();
    // Live from the start: the server counts every event it sends towards the checkpoint interval.
    expect(await eventually(() => double.activeSubscriptions() > 0, 5_000)).toBe(true);
    await someHistory(sim, 'acct-a', 31);
    // The server's $statsCollected after a user event can carry the subscription's checkpoint,
    // which moves every projection past the log's last user event (bounded: one more each time).
    let past = false;
    for (let i = 0; i < 64 && !past; i++) {
      const head = await store.headPosition();
      expect(await readSide.waitForPosition(head, 10_000)).toBe(true);
      past = await eventually(() => [...readSide.runner.positions().values()].every((p) => p > head), 300);
      if (!past)
        await sim.run(
          'PurchaseCredits',
          {
            purchaseId: `p-more-${i}`,
            accountId: 'acct-a',
            credits: '1',
            amountPaid: { amountMinor: 1, currency: 'USD' },
          },
          T0 + 100 + i,
        );
    }
    const positions = new Map(readSide.runner.positions());
    await readSide.close();
    expect(past).toBe(true);
    return positions;
  }

  it('a restart with checkpoints past the last user event (system events after it) keeps the read models', async () => {
    const positions = await readModelsPastTheUserHead();

    const again = LedgerReadSide.open({ store, databasePath });
    try {
      expect(await again.rebuildIfNotFromLog()).toBeUndefined();
      expect(new Map(again.runner.positions())).toEqual(positions);
      expect(again.accounts.stateOf('acct-a')).not.toBeNull();
    } finally {
      await again.close();
    }
  });

  it('an older copy of the log under these read models is still recognised, and they are rebuilt', async () => {
    await readModelsPastTheUserHead();
    // The "restored" log: a node with only the first half of that history.
    const older = await startEsdbDouble({ systemEvents: { statsEvery: 1 } });
    const olderStore = new EsdbEventStore(older.connectionString);
    others.push(async () => {
      await olderStore.close();
      await older.stop();
    });
    await someHistory(new LedgerSimulation(olderStore, rateCard), 'acct-a', 15);

    const restored = LedgerReadSide.open({ store: olderStore, databasePath });
    try {
      expect(await restored.rebuildIfNotFromLog()).toMatch(/past the log's head|is not the log's/);
      expect([...restored.runner.positions().values()]).toEqual(LEDGER_PROJECTIONS.map(() => 0n));
      expect(restored.accounts.stateOf('acct-a')).toBeNull();
    } finally {
      await restored.close();
    }
  });

  it('another log as long as this one (other events at the anchor) is recognised too', async () => {
    await readModelsPastTheUserHead();
    const other = await startEsdbDouble({ systemEvents: { statsEvery: 1 } });
    const otherStore = new EsdbEventStore(other.connectionString);
    others.push(async () => {
      await otherStore.close();
      await other.stop();
    });
    await someHistory(new LedgerSimulation(otherStore, rateCard), 'acct-a', 40);

    const foreign = LedgerReadSide.open({ store: otherStore, databasePath });
    try {
      expect(await foreign.rebuildIfNotFromLog()).toMatch(/is not the log's|never applied/);
    } finally {
      await foreign.close();
    }
  });
});
