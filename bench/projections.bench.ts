import { accountStreamName, type AccountEvent, type WindowSnapshot } from '@ledger/domain';
import type { EventToAppend } from '@ledger/event-store';
import { SqliteEventStore } from '@ledger/event-store/sqlite';
import {
  LEDGER_PROJECTIONS,
  LedgerReadSide,
  openReadModelDatabase,
  ProjectionBatchApplier,
  rebuildReadModelFile,
} from '@ledger/projections';
import { parseRateCard, type RateCard } from '@ledger/domain';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figure } from './bench-report';
import { measureRebuildFloor } from './projection-floor';

const T0 = Date.parse('2026-11-03T10:00:00.000Z');
const RATE_CARD: RateCard = (() => {
  const parsed = parseRateCard({
    version: 'bench',
    credits: { defaultExpiryDays: 365 },
    products: { codex: { operations: { local_message: { unitsPerQuantity: 1, creditsPerQuantity: '5' } } } },
    plans: {
      plus: {
        products: {
          codex: {
            creditsAllowed: true,
            windows: [
              { name: '5h', durationMs: 18_000_000, limitUnits: 150 },
              { name: 'weekly', durationMs: 604_800_000, limitUnits: 1500 },
            ],
          },
        },
      },
    },
  });
  if (!parsed.ok) throw new Error('bench rate card is invalid');
  return parsed.rateCard;
})();

/**
 * Read-side figures (docs/BENCHMARKS.md):
 * - projection_rebuild_events_per_s: a fresh read-model file catching up on a log of `events`
 *   events (opens, purchases, usage with and without credit overage) through the real runner;
 * - timeline_100k_ms: first timeline page plus an `asOf` lookup on one account with 100,000 events.
 */
export async function projectionsBench(
  options: { readonly events?: number; readonly timelineEvents?: number; readonly threads?: number } = {},
): Promise<Figure[]> {
  const total = options.events ?? 1_000_000;
  const timelineEvents = options.timelineEvents ?? 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-projections-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  try {
    await writeSyntheticLog(store, total, timelineEvents);
    const head = await store.headPosition();
    const databasePath = join(dir, 'read-models.sqlite');
    const threads =
      options.threads ??
      (process.env.BENCH_REBUILD_THREADS ? Number(process.env.BENCH_REBUILD_THREADS) : undefined);
    const started = performance.now();
    const rebuilt = await rebuildReadModelFile({
      store,
      databasePath,
      eventsPath: join(dir, 'events.sqlite'),
      ...(threads === undefined ? {} : { threads }),
    });
    const rebuildSeconds = (performance.now() - started) / 1000;
    if (rebuilt.position !== head) throw new Error('rebuild did not reach the head');
    const readSide = LedgerReadSide.open({ store, databasePath });

    const timelineStarted = performance.now();
    const page = await readSide.timelines.timeline('hot', { limit: 100 }, RATE_CARD);
    const asOf = await readSide.timelines.timeline(
      'hot',
      { limit: 100, asOf: new Date(T0 + timelineEvents / 2).toISOString() },
      RATE_CARD,
    );
    const timelineMs = performance.now() - timelineStarted;
    if (page?.items.length !== 100 || asOf?.stateAsOf === undefined)
      throw new Error('timeline bench read nothing');
    await readSide.close();
    const live = await measureLiveApply(store, join(dir, 'read-models.sqlite'), LIVE_EVENTS);
    const floor = measureRebuildFloor(join(dir, 'events.sqlite'), join(dir, 'floor.sqlite'));
    const floorUs = floor.readParseUs + floor.insertUs + floor.indexUs;
    return [
      {
        name: 'projection_rebuild_events_per_s',
        value: Math.round(Number(head) / rebuildSeconds),
        unit: 'events/s',
        note: `\`ledger rebuild\` of all four read models into a fresh file on ${rebuilt.threads} thread(s) (BENCH_REBUILD_THREADS), ${(1e6 / (Number(head) / rebuildSeconds)).toFixed(1)} µs an event; floor on this machine and log, one thread, no projection logic: reading the log ${floor.readUs} µs an event, with JSON.parse of the bodies ${floor.readParseUs}, two bare rows an event ${floor.insertUs}, their account indexes ${floor.indexUs}: ${floorUs.toFixed(1)} µs (≤ ${Math.round(1e6 / floorUs)} events/s)`,
      },
      {
        name: 'projection_live_us_per_event',
        value: live.get(10) ?? 0,
        unit: 'µs',
        note: `the live runner's applier on the read-model file as the server keeps it (WAL, indexed), ${LIVE_EVENTS / 2} usage events (after as many untimed, to warm its row caches) in transactions of 10 (a 5 ms poll under load); by transaction size: ${[...live].map(([size, us]) => `${size} → ${us} µs`).join(', ')}`,
      },
      { name: 'timeline_100k_ms', value: Math.round(timelineMs * 100) / 100, unit: 'ms' },
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const LIVE_EVENTS = 20_000;
const LIVE_BATCHES = [1, 10, 100, 1000] as const;

/**
 * What the live runner spends per event, commit included, by events per transaction: usage events
 * appended after the rebuild, applied by a fresh applier (a second connection, as the server's
 * worker has) to the indexed read models. Answers µs per event by transaction size.
 */
async function measureLiveApply(
  store: SqliteEventStore,
  databasePath: string,
  events: number,
): Promise<Map<number, number>> {
  const perSize = new Map<number, number>();
  for (const size of LIVE_BATCHES) {
    const from = await store.headPosition();
    await appendUsage(store, events, Number(from));
    const page = await store.readAll({ fromPosition: from });
    const db = openReadModelDatabase(databasePath);
    try {
      const applier = new ProjectionBatchApplier(db, LEDGER_PROJECTIONS);
      // The first half warms the applier's row caches (a running server has them warm), untimed.
      const half = Math.floor(page.length / 2);
      for (let i = 0; i < half; i += 1_000) {
        const chunk = page.slice(i, Math.min(half, i + 1_000));
        applier.apply(chunk, chunk[chunk.length - 1].position);
      }
      const started = performance.now();
      for (let i = half; i < page.length; i += size) {
        const chunk = page.slice(i, i + size);
        applier.apply(chunk, chunk[chunk.length - 1].position);
      }
      perSize.set(size, Math.round(((performance.now() - started) * 1000 * 10) / (page.length - half)) / 10);
    } finally {
      db.close();
    }
  }
  return perSize;
}

/** `count` usage events spread over the 10,000 accounts (after the synthetic log). */
async function appendUsage(store: SqliteEventStore, count: number, seed: number): Promise<void> {
  const appends: Promise<unknown>[] = [];
  for (let i = 0; i < count; i += 1) {
    const accountId = `acct-${(seed + i) % 10_000}`;
    const event = usage(accountId, seed + i, T0 + seed + i);
    appends.push(
      store.appendToStream(accountStreamName(accountId), [{ id: randomUUID(), ...event }], {
        expectedRevision: 'any',
      }),
    );
  }
  await Promise.all(appends);
}

/**
 * Events as the decider writes them, appended in large batches straight to the store (deciding a
 * million commands would measure the write side, not the projections). One "hot" account gets
 * `hotEvents`; the rest are spread over 10,000 accounts.
 */
export async function writeSyntheticLog(
  store: SqliteEventStore,
  total: number,
  hotEvents: number,
): Promise<void> {
  const accounts = 10_000;
  const batch: Promise<unknown>[] = [];
  const revisions = new Map<string, number>();
  const append = (accountId: string, events: AccountEvent[]) => {
    const stream = accountStreamName(accountId);
    const revision = revisions.get(stream) ?? -1;
    revisions.set(stream, revision + events.length);
    const toAppend: EventToAppend[] = events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data }));
    batch.push(
      store.appendToStream(stream, toAppend, {
        expectedRevision: revision < 0 ? 'no_stream' : BigInt(revision),
      }),
    );
  };
  let written = 0;
  const flush = async () => {
    await Promise.all(batch.splice(0));
  };
  const accountIds = ['hot', ...Array.from({ length: accounts }, (_, i) => `acct-${i}`)];
  for (const accountId of accountIds) {
    append(accountId, [opened(accountId), purchased(accountId)]);
    written += 2;
  }
  await flush();
  for (let i = 0; written < total; i++) {
    const accountId = i < hotEvents - 2 ? 'hot' : accountIds[1 + (i % accounts)];
    append(accountId, [usage(accountId, i, T0 + i)]);
    written += 1;
    if (batch.length >= 5_000) await flush();
  }
  await flush();
}

const stamp = (accountId: string, at: number) => ({
  accountId,
  recordedAt: new Date(at).toISOString(),
  rateCardVersion: 'bench',
  actor: 'bench',
});

function opened(accountId: string): AccountEvent {
  return { type: 'AccountOpened', data: { ...stamp(accountId, T0 - 2), plan: 'plus', fingerprint: 'f' } };
}

function purchased(accountId: string): AccountEvent {
  return {
    type: 'CreditsPurchased',
    data: {
      ...stamp(accountId, T0 - 1),
      purchaseId: 'p-1',
      fingerprint: 'f',
      credits: '1000000',
      amountPaid: { amountMinor: 100_000, currency: 'USD' },
      expiresAt: null,
      products: null,
      priority: 100,
    },
  };
}

function usage(accountId: string, i: number, at: number): AccountEvent {
  const overage = i % 4 === 0;
  const windows: WindowSnapshot[] = ['5h', 'weekly'].map((name) => ({
    product: 'codex',
    window: name,
    used: overage ? 150 : i % 150,
    limit: name === '5h' ? 150 : 1500,
    remaining: overage ? 0 : 150 - (i % 150),
    startedAt: new Date(T0).toISOString(),
    resetsAt: new Date(T0 + (name === '5h' ? 18_000_000 : 604_800_000)).toISOString(),
  }));
  return {
    type: 'UsageRecorded',
    data: {
      ...stamp(accountId, at),
      usageId: `u-${i}`,
      fingerprint: 'f',
      plan: 'plus',
      product: 'codex',
      operation: 'local_message',
      quantity: 1,
      surface: null,
      occurredAt: null,
      metadata: null,
      unitsPerQuantity: 1,
      creditsPerQuantity: '5',
      units: 1,
      windows,
      balanceAfter: '999995',
      allowanceUnits: overage ? 0 : 1,
      overageUnits: overage ? 1 : 0,
      creditsCharged: overage ? '5' : '0',
      allocations: overage ? [{ grantId: 'p-1', credits: '5' }] : [],
    },
  };
}
