import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rateCard, T0 } from '@ledger/domain/testing/fixtures';
import { SqliteEventStore, type EventStore } from '@ledger/event-store';
import { SimulatedClock } from '../clock/clock';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { LimitsResetsService } from './limits-resets.service';

/** The resets' tail before every account decision: shared by callers, never older than the call. */
describe('LimitsResetsService.atHead', () => {
  let dir: string;
  let store: SqliteEventStore;
  let reads: number;
  let service: LimitsResetsService;
  let other: LimitsResetsService;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'resets-at-head-'));
    store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
    reads = 0;
    // The real store, with its stream reads counted (nothing answered in its place).
    const counted = new Proxy(store, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property === 'readStreamIfExists' && typeof value === 'function') {
          return (...args: unknown[]) => {
            reads += 1;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    }) as EventStore;
    const clock = new SimulatedClock(T0);
    service = new LimitsResetsService(counted, clock, rateCard, new LedgerMetrics());
    // Another node (or process) writing resets to the same log.
    other = new LimitsResetsService(store, clock, rateCard, new LedgerMetrics());
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves every caller of one loop turn with one read of the tail', async () => {
    await service.atHead();
    reads = 0;
    const answers = await Promise.all(Array.from({ length: 50 }, () => service.atHead()));
    expect(reads).toBe(1);
    expect(new Set(answers).size).toBe(1);
  });

  it('never answers a caller with a read that started before it asked', async () => {
    await service.atHead();
    const early = service.atHead();
    // The early read is under way (its turn has come); a reset lands, then a caller asks.
    await new Promise((resolve) => setImmediate(resolve));
    await other.execute({ data: { resetId: 'r1', scope: 'all', reason: 'incident' } }, 'ops');
    const late = await service.atHead();
    expect(late.resets.map((r) => r.resetId)).toEqual(['r1']);
    expect((await early).resets.length).toBeLessThanOrEqual(1);
  });
});
