import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DISPATCH_LEASE_STREAM } from '@ledger/domain';
import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { SimulatedClock } from '../clock/clock';
import { loadLedgerConfig } from '../config/ledger-config';
import { DispatchLeaseService } from './dispatch-lease.service';

/**
 * Two nodes' lease services on one real SQLite log, each with its own simulated clock: one holder at
 * a time (exact expected revision), taken over only once it lapsed on the ledger clock, released on
 * a clean stop.
 */
describe('the dispatch lease on a real log', () => {
  let dir: string;
  let store: SqliteEventStore;
  const T0 = Date.parse('2026-11-01T00:00:00Z');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lease-'));
    store = new SqliteEventStore({ path: path.join(dir, 'events.sqlite') });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const node = (clock: SimulatedClock) =>
    new DispatchLeaseService(
      store,
      clock,
      loadLedgerConfig({ LEDGER_DATA_DIR: dir, LEDGER_WEBHOOK_LEASE_MS: '30000' }),
    );

  it('one holder; the other takes over after it lapsed; renewals move it on; release frees it at once', async () => {
    const clockA = new SimulatedClock(T0);
    const clockB = new SimulatedClock(T0);
    const a = node(clockA);
    const b = node(clockB);
    const [gotA, gotB] = await Promise.all([a.acquire(), b.acquire()]);
    expect([gotA, gotB].filter(Boolean)).toHaveLength(1); // decided at once: one append wins
    const [holder, holderClock, other, otherClock] = gotA ? [a, clockA, b, clockB] : [b, clockB, a, clockA];

    otherClock.advanceBy(29_999);
    expect(await other.acquire()).toBe(false);
    holderClock.advanceBy(20_000); // past half: renewed to +50 s
    expect(await holder.acquire()).toBe(true);
    otherClock.advanceBy(1); // 30 s: the first lease would have lapsed, the renewed one holds
    expect(await other.acquire()).toBe(false);
    otherClock.advanceBy(20_000); // 50 s: lapsed
    expect(await other.acquire()).toBe(true);
    expect(holder.heldNow()).toBe(true); // as last seen by it…
    expect(await holder.acquire()).toBe(false); // …until it asks the log

    await other.release();
    expect(await holder.acquire()).toBe(true);
    const types = (await store.readStream(DISPATCH_LEASE_STREAM)).map((e) => e.type);
    expect(types).toEqual([
      'DispatchLeaseTaken',
      'DispatchLeaseRenewed',
      'DispatchLeaseTaken',
      'DispatchLeaseReleased',
      'DispatchLeaseTaken',
    ]);
  });
});
