import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRateCard, type RateCard } from '@ledger/domain';
import { createEventsSchema, openSqliteDatabase } from '@ledger/event-store';
import { SimulatedClock } from '../apps/ledger/src/clock/clock';
import { openCommandPath, type CommandPath } from '../apps/ledger/src/core/command-path';
import type { Figure } from './bench-report';

const START = Date.parse('2026-11-02T09:00:00.000Z');

export interface CommandBenchSizes {
  readonly accounts: number;
  readonly commands: number;
  readonly coldSmall: number;
  readonly coldLarge: number;
}

function loadShippedRateCard(): RateCard {
  const file = path.join(__dirname, '..', '..', 'config', 'rate-card.json');
  const json: unknown = JSON.parse(
    fs.readFileSync(
      fs.existsSync(file) ? file : path.join(__dirname, '..', 'config', 'rate-card.json'),
      'utf8',
    ),
  );
  const parsed = parseRateCard(json);
  if (!parsed.ok) throw new Error('shipped rate card is invalid');
  return parsed.rateCard;
}

/** The command path exactly as the HTTP app wires it, minus HTTP: durable SQLite store, snapshots, cache. */
function openLedger(dir: string, rateCard: RateCard, clock: SimulatedClock): CommandPath {
  return openCommandPath({ dataDir: dir, clock, rateCard });
}

/** Runs `count` tasks with at most `inFlight` pending: many accounts' commands share each group commit. */
async function runConcurrently(
  count: number,
  inFlight: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

const usage = (accountId: string, usageId: string) =>
  ({
    type: 'RecordUsage',
    data: { usageId, accountId, product: 'codex', operation: 'local_message', quantity: 1 },
  }) as const;

export async function benchCommandHandling(sizes: CommandBenchSizes): Promise<Figure[]> {
  const rateCard = loadShippedRateCard();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-bench-'));
  try {
    const clock = new SimulatedClock(START);
    fs.mkdirSync(path.join(root, 'live'), { recursive: true });
    const ledger = openLedger(path.join(root, 'live'), rateCard, clock);
    await runConcurrently(sizes.accounts, 512, (i) =>
      ledger.accounts.execute(
        { type: 'OpenAccount', data: { accountId: `acct-${i}`, plan: 'pro' } },
        'bench',
      ),
    );
    const t0 = process.hrtime.bigint();
    await runConcurrently(sizes.commands, 2048, (i) =>
      ledger.accounts.execute(usage(`acct-${i % sizes.accounts}`, `u-${i}`), 'bench'),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const recordUsagePerS = sizes.commands / seconds;
    const sampleRows = (
      await ledger.stores.events.readAll({ fromPosition: BigInt(sizes.accounts), maxCount: 1000 })
    ).map((e) => ({
      stream: e.streamName,
      type: e.type,
      data: JSON.stringify(e.data),
      metadata: JSON.stringify(e.metadata),
    }));
    await ledger.close();

    const rawPerS = rawInsertRate(path.join(root, 'raw.sqlite'), sampleRows, sizes.commands);
    const coldSmall = await coldLoadMs(path.join(root, 'cold-small'), rateCard, sizes.coldSmall);
    const coldLarge = await coldLoadMs(path.join(root, 'cold-large'), rateCard, sizes.coldLarge);
    return [
      {
        name: 'sqlite_raw_insert_per_s',
        value: Math.round(rawPerS),
        unit: 'events/s',
        note: `plain better-sqlite3, same rows, 1,000 per transaction, WAL, synchronous=FULL`,
      },
      {
        name: 'record_usage_per_s',
        value: Math.round(recordUsagePerS),
        unit: 'commands/s',
        note: `RecordUsage through the command handler, durable group commit, ${sizes.accounts} accounts, ${sizes.commands} commands, 2,048 in flight`,
      },
      {
        name: 'record_usage_ratio_to_raw',
        value: recordUsagePerS / rawPerS,
        unit: 'ratio',
        note: 'record_usage_per_s / sqlite_raw_insert_per_s',
      },
      {
        name: `cold_load_ms_${label(sizes.coldSmall)}`,
        value: coldSmall,
        unit: 'ms',
        note: `load an account not in cache with ${sizes.coldSmall} prior events (median of 5)`,
      },
      {
        name: `cold_load_ms_${label(sizes.coldLarge)}`,
        value: coldLarge,
        unit: 'ms',
        note: `load an account not in cache with ${sizes.coldLarge} prior events (median of 5)`,
      },
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function label(n: number): string {
  return n >= 1000 ? `${n / 1000}k` : String(n);
}

/** The storage limit: the same rows, inserted by plain better-sqlite3 with the store's own schema and pragmas. */
function rawInsertRate(
  file: string,
  rows: { stream: string; type: string; data: string; metadata: string }[],
  count: number,
): number {
  const db = openSqliteDatabase({ path: file });
  createEventsSchema(db);
  const insert = db.prepare(
    'INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const revisions = new Map<string, number>();
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const row = rows[i % rows.length];
      const stream = `${row.stream}-${i % 10_000}`;
      const revision = revisions.get(stream) ?? 0;
      revisions.set(stream, revision + 1);
      insert.run(
        crypto.randomUUID(),
        stream,
        revision,
        row.type,
        row.data,
        row.metadata,
        new Date().toISOString(),
      );
    }
  });
  const t0 = process.hrtime.bigint();
  for (let from = 0; from < count; from += 1000) batch(from, Math.min(count, from + 1000));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  db.close();
  return count / seconds;
}

/** An account with `events` prior events, then the median time for a fresh process-like cache to load it. */
async function coldLoadMs(dir: string, rateCard: RateCard, events: number): Promise<number> {
  fs.mkdirSync(dir, { recursive: true });
  const clock = new SimulatedClock(START);
  const writer = openLedger(dir, rateCard, clock);
  await writer.accounts.execute({ type: 'OpenAccount', data: { accountId: 'big', plan: 'pro' } }, 'bench');
  // Usage keeps landing (allowance, then rejections once a window is used up): one event each.
  await runConcurrently(events - 1, 1, (i) => writer.accounts.execute(usage('big', `u-${i}`), 'bench'));
  await writer.close();
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const reader = openLedger(dir, rateCard, clock);
    const t0 = process.hrtime.bigint();
    const state = await reader.accounts.load('big');
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (state.version !== events)
      throw new Error(`cold load folded ${state.version} events, expected ${events}`);
    await reader.close();
  }
  times.sort((a, b) => a - b);
  return times[2];
}
