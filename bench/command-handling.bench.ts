import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRateCard, type RateCard } from '@ledger/domain';
import { SimulatedClock } from '../apps/ledger/src/clock/clock';
import { openCommandPath, type CommandPath } from '../apps/ledger/src/core/command-path';
import { EVENTS_FILE } from '../apps/ledger/src/store/event-store.factory';
import type { Figure } from './bench-report';
import { logReadFloor, rawInsertRate } from './floors/storage-floors';

const START = Date.parse('2026-11-02T09:00:00.000Z');

export interface CommandBenchSizes {
  readonly accounts: number;
  readonly commands: number;
  /** Rows per durable commit of the group-commit floor (as many as the HTTP usage scenario has in flight). */
  readonly groupCommitRows: number;
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
    const commandPathPerS = sizes.commands / seconds;
    const sampleRows = (
      await ledger.stores.events.readAll({ fromPosition: BigInt(sizes.accounts), maxCount: 1000 })
    ).map((e) => ({
      stream: e.streamName,
      type: e.type,
      data: JSON.stringify(e.data),
      metadata: JSON.stringify(e.metadata),
    }));
    await ledger.close();

    const rawPerS = rawInsertRate(path.join(root, 'raw.sqlite'), sampleRows, sizes.commands, 1_000);
    const groupRows = sizes.groupCommitRows;
    const groupPerS = rawInsertRate(
      path.join(root, 'group.sqlite'),
      sampleRows,
      sizes.commands / 4,
      groupRows,
    );
    const logRead = logReadFloor(path.join(root, 'live', EVENTS_FILE));
    const coldSmall = await coldLoadMs(path.join(root, 'cold-small'), rateCard, sizes.coldSmall);
    const coldLarge = await coldLoadMs(path.join(root, 'cold-large'), rateCard, sizes.coldLarge);
    const shape = `${sizes.accounts} accounts, ${sizes.commands} commands, 2,048 in flight`;
    return [
      {
        name: 'command_path_per_s',
        value: Math.round(commandPathPerS),
        unit: 'commands/s',
        note: `RecordUsage through the command path as the HTTP app wires it, no HTTP, one thread (${shape}): per command the global resets' tail read, the account from cache, its idempotency check, the SHA-256 fingerprint, the decider, deterministic event ids, JSON serialisation, and the durable append in a shared group commit (one IMMEDIATE transaction and one fsync, synchronous=FULL, per group). Same measurement as record_usage_per_s in the runs before 2026-12`,
      },
      {
        name: 'sqlite_raw_insert_per_s',
        value: Math.round(rawPerS),
        unit: 'events/s',
        note: `floor of command_path_per_s: plain better-sqlite3, the same rows, 1,000 per transaction, WAL, synchronous=FULL`,
      },
      {
        name: 'sqlite_group_commit_per_s',
        value: Math.round(groupPerS),
        unit: 'events/s',
        note: `floor of a durable append at HTTP concurrency: plain better-sqlite3, the same rows, ${groupRows} per IMMEDIATE transaction (one fsync each), WAL, synchronous=FULL, ${sizes.commands / 4} rows`,
      },
      {
        name: 'command_path_vs_raw_insert',
        value: commandPathPerS / rawPerS,
        unit: 'ratio',
        note: 'command_path_per_s / sqlite_raw_insert_per_s, same run (record_usage_ratio_to_raw before 2026-12)',
      },
      {
        name: 'log_read_events_per_s',
        value: Math.round(logRead.readPerS),
        unit: 'events/s',
        note: `floor of any replay: every row of the command path's log (${logRead.events} events) read in position order, raw rows, one thread`,
      },
      {
        name: 'log_read_parse_events_per_s',
        value: Math.round(logRead.readParsePerS),
        unit: 'events/s',
        note: `the same read plus JSON.parse of every event body: ${(1e6 / logRead.readParsePerS).toFixed(2)} µs an event, what a rebuild or a live projection pays before any projection logic`,
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
