import { EventStoreDBClient } from '@eventstore/db-client';
import { rateCard, T0 } from '@ledger/domain/testing/fixtures';
import { EsdbEventStore } from '@ledger/event-store/esdb';
import {
  openReadModelDatabase,
  ProjectionBatchApplier,
  ProjectionRunner,
  type Projection,
} from '@ledger/projections';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';
import { LedgerSimulation } from './support/ledger-simulation';

/** Credits purchased by account "sick" cannot be applied: its stream is quarantined. */
function sickProjection(): Projection {
  return {
    name: 'sick-purchases',
    version: 1,
    tables: [{ name: 'seen', key: ['k'] }],
    createSchema: (db) => db.exec('CREATE TABLE IF NOT EXISTS seen (k INTEGER PRIMARY KEY)'),
    openWriter: () => ({
      apply: (e) => {
        if (e.stream === 'account' && e.accountId === 'sick' && e.event.type === 'CreditsPurchased')
          throw new Error('poison');
      },
      flush: () => undefined,
      discard: () => undefined,
    }),
  };
}

const purchase = (accountId: string, purchaseId: string) => ({
  purchaseId,
  accountId,
  credits: '1',
  amountPaid: { amountMinor: 1, currency: 'USD' },
});

/**
 * A quarantined stream the log cannot give back (tombstoned on EventStoreDB) used to be retried
 * every 250 ms forever, each failure restarting the live subscription and delaying every other
 * account. Now each failed read is one more attempt of the quarantine, with its growing backoff,
 * and the live subscription is left alone.
 */
describe('quarantine retry of a stream that cannot be read (ESDB double, tombstoned)', () => {
  let double: EsdbDouble;
  let store: EsdbEventStore;
  let client: EventStoreDBClient;
  let dir: string;

  beforeEach(async () => {
    double = await startEsdbDouble();
    store = new EsdbEventStore(double.connectionString);
    client = EventStoreDBClient.connectionString(double.connectionString);
    dir = mkdtempSync(join(tmpdir(), 'ledger-quarantine-unreadable-'));
  });

  afterEach(async () => {
    await client.dispose();
    await store.close();
    await double.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs off as failed attempts, keeps the subscription, and other accounts keep moving', async () => {
    const db = openReadModelDatabase(join(dir, 'read-models.sqlite'));
    const applier = new ProjectionBatchApplier(db, [sickProjection()], { eventRetryDelayMs: 50 });
    let rereads = 0;
    const runner = new ProjectionRunner(store, applier, {
      onError: () => undefined,
      onReread: () => rereads++,
    });
    const sim = new LedgerSimulation(store, rateCard);
    try {
      runner.start();
      await sim.run('OpenAccount', { accountId: 'sick', plan: 'plus' }, T0);
      await sim.run('PurchaseCredits', purchase('sick', 'p-sick'), T0 + 1);
      expect(await runner.waitForPosition(sim.lastPosition, 5_000)).toBe(true);
      expect(applier.quarantined()).toHaveLength(1);
      expect(applier.quarantined()[0].revision).toBe(1n);
      // The stream is gone for good: every read of it fails.
      await client.tombstoneStream('account-sick');

      const opened = double.subscriptionsOpened();
      const rereadsBefore = rereads;
      await sim.run('OpenAccount', { accountId: 'well', plan: 'plus' }, T0);
      const started = Date.now();
      let maxWaitMs = 0;
      for (let i = 0; Date.now() - started < 4_000; i++) {
        await sim.run('PurchaseCredits', purchase('well', `p-well-${i}`), T0 + 2 + i);
        const asked = Date.now();
        expect(await runner.waitForPosition(sim.lastPosition, 5_000)).toBe(true);
        maxWaitMs = Math.max(maxWaitMs, Date.now() - asked);
        // Paced writes (not a wait for the projection): the retry timer runs meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }

      expect(double.subscriptionsOpened() - opened).toBeLessThanOrEqual(1);
      expect(rereads - rereadsBefore).toBeLessThanOrEqual(1);
      expect(maxWaitMs).toBeLessThan(500);
      // Each failed read is an attempt of the quarantine (persisted), with a growing backoff.
      const q = applier.quarantined()[0];
      expect(q.attempts).toBeGreaterThanOrEqual(3);
      expect(q.attempts).toBeLessThanOrEqual(10);
      expect(q.reason).toMatch(/retry could not read the stream/);
      expect(q.retryAt - Date.now()).toBeGreaterThan(0);
    } finally {
      await runner.close();
      db.close();
    }
  });
});
