import Database from 'better-sqlite3';
import { openReadModelDatabase } from '@ledger/projections';

/** What any rebuild from this log must spend per event on this machine, before projection logic. */
export interface RebuildFloor {
  /** Reading every row of the log (raw mode, the columns the runner reads). */
  readonly readUs: number;
  /** The same read plus JSON.parse of each event's data. */
  readonly readParseUs: number;
  /** Two bare rows per event (a timeline-sized and a journal-sized one), no secondary index, 20k a transaction. */
  readonly insertUs: number;
  /** Building the three account indexes the queries need over those rows afterwards. */
  readonly indexUs: number;
}

/**
 * Measures the floor of a rebuild over an events file: the part no projection code can avoid with
 * this log format (JSON bodies in SQLite) and read-model store (SQLite rows), one thread.
 */
export function measureRebuildFloor(eventsPath: string, scratchPath: string): RebuildFloor {
  const log = new Database(eventsPath, { readonly: true });
  const events = log.prepare<[], number>('SELECT count(*) FROM events').pluck().get() ?? 0;
  const perEvent = (ms: number) => Math.round((ms * 1000 * 100) / events) / 100;
  const rows = log
    .prepare<[], [bigint, string, bigint, string, string, string]>(
      'SELECT position, stream, revision, type, data, recorded_at FROM events ORDER BY position',
    )
    .raw(true)
    .safeIntegers(true);
  // Each loop keeps something of every row, so neither can be optimised away.
  let bytes = 0;
  let started = performance.now();
  for (const row of rows.iterate()) bytes += row[4].length;
  const readUs = perEvent(performance.now() - started);
  let parsed = 0;
  started = performance.now();
  for (const row of rows.iterate()) parsed += (JSON.parse(row[4]) as object) === null ? 0 : 1;
  const readParseUs = perEvent(performance.now() - started);
  if (bytes === 0 || parsed !== events) throw new Error('the floor read nothing');
  log.close();

  const db = openReadModelDatabase(scratchPath);
  db.exec(`
    CREATE TABLE t (position INTEGER PRIMARY KEY, account_id TEXT NOT NULL, revision INTEGER NOT NULL,
      type TEXT NOT NULL, recorded_at INTEGER NOT NULL, state_after TEXT);
    CREATE TABLE j (position INTEGER PRIMARY KEY, entry_id TEXT NOT NULL, account_id TEXT,
      recorded_at INTEGER NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, reason TEXT,
      rate_card_version TEXT NOT NULL, command_id TEXT, starting_balance INTEGER,
      ending_balance INTEGER, details TEXT NOT NULL);`);
  const insertT = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)');
  const insertJ = db.prepare('INSERT INTO j VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const page = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const account = `acct-${i % 10_000}`;
      insertT.run(i, account, i, 'UsageRecorded', 1_700_000_000_000 + i, null);
      insertJ.run(
        i,
        `e-${i}`,
        account,
        1_700_000_000_000 + i,
        'usage',
        'bench',
        null,
        'v1',
        `c-${i}`,
        100,
        95,
        '{}',
      );
    }
  });
  started = performance.now();
  for (let from = 1; from <= events; from += 20_000) page(from, Math.min(events + 1, from + 20_000));
  const insertUs = perEvent(performance.now() - started);
  started = performance.now();
  db.exec(`
    CREATE INDEX t_by_account ON t (account_id, position);
    CREATE INDEX t_by_account_time ON t (account_id, recorded_at, position);
    CREATE INDEX j_by_account ON j (account_id, position);`);
  const indexUs = perEvent(performance.now() - started);
  db.close();
  return { readUs, readParseUs, insertUs, indexUs };
}
