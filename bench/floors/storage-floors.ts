import Database from 'better-sqlite3';
import { createEventsSchema, openSqliteDatabase } from '@ledger/event-store';

/** A stored event's columns, as the command path wrote them (the floors write the same text). */
export interface EventRow {
  readonly stream: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

/**
 * Plain better-sqlite3 inserts of the same rows into the store's own schema with its pragmas (WAL,
 * synchronous=FULL), `perTransaction` rows a commit: 1,000 is the storage limit of the log
 * (`sqlite_raw_insert_per_s`); a small group is the limit of a durable group commit of that size.
 */
export function rawInsertRate(
  file: string,
  rows: readonly EventRow[],
  count: number,
  perTransaction: number,
): number {
  const db = openSqliteDatabase({ path: file });
  createEventsSchema(db);
  const insert = db.prepare(
    'INSERT INTO events (id, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const revisions = new Map<string, number>();
  const group = db.transaction((from: number, to: number) => {
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
  // IMMEDIATE, as the store's writer commits (it takes the write lock up front).
  for (let from = 0; from < count; from += perTransaction)
    group.immediate(from, Math.min(count, from + perTransaction));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  db.close();
  return count / seconds;
}

/** Reading a whole log in position order, raw rows, then again with JSON.parse of every body. */
export interface LogReadFloor {
  readonly events: number;
  readonly readPerS: number;
  readonly readParsePerS: number;
}

/**
 * What any replay of this log (a rebuild, a projection worker catching up) spends before any
 * projection logic: the rows out of SQLite, then each event's JSON body parsed. One thread.
 */
export function logReadFloor(eventsPath: string): LogReadFloor {
  const log = new Database(eventsPath, { readonly: true });
  try {
    const rows = log
      .prepare<[], [bigint, string, bigint, string, string, string, string]>(
        'SELECT position, stream, revision, type, data, metadata, recorded_at FROM events ORDER BY position',
      )
      .raw(true)
      .safeIntegers(true);
    // Each loop keeps something of every row, so neither can be optimised away.
    let bytes = 0;
    let events = 0;
    let started = performance.now();
    for (const row of rows.iterate()) {
      bytes += row[4].length;
      events += 1;
    }
    const readS = (performance.now() - started) / 1000;
    let parsed = 0;
    started = performance.now();
    for (const row of rows.iterate()) parsed += (JSON.parse(row[4]) as object) === null ? 0 : 1;
    const readParseS = (performance.now() - started) / 1000;
    if (bytes === 0 || parsed !== events) throw new Error('the log read floor read nothing');
    return { events, readPerS: events / readS, readParsePerS: events / readParseS };
  } finally {
    log.close();
  }
}
