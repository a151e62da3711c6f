import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionTable } from '../runner/projection';

export interface VerifyMismatch {
  readonly projection: string;
  readonly table: string;
  /** The row's key columns. */
  readonly key: Readonly<Record<string, string | null>>;
  /** The row as the live read model has it (null: missing live). */
  readonly live: Readonly<Record<string, unknown>> | null;
  /** The row as the replay made it (null: the live model has a row the log does not explain). */
  readonly replayed: Readonly<Record<string, unknown>> | null;
}

const REPLAYED = 'replayed';

/**
 * Row-by-row comparison of every projection table: the replayed file is attached to the live
 * connection and SQLite computes both set differences, so the comparison is exact (every column,
 * integers as integers) and needs no ordering agreement between JavaScript and SQL.
 */
export function diffTables(
  live: ReadModelDatabase,
  replayedFile: string,
  projections: readonly Projection[],
  maxMismatches: number,
  atPosition: bigint,
): { mismatches: VerifyMismatch[]; truncated: boolean } | null {
  live.prepare('ATTACH DATABASE ? AS replayed').run(replayedFile);
  try {
    // One read transaction: a runner on another thread or process may commit meanwhile, and the
    // live rows compared must be those of the checkpoints read here.
    return live.transaction(() => {
      if (!liveCheckpointsAt(live, projections, atPosition)) return null;
      return compare(live, projections, maxMismatches);
    })();
  } finally {
    live.exec(`DETACH DATABASE ${REPLAYED}`);
  }
}

function liveCheckpointsAt(live: ReadModelDatabase, projections: readonly Projection[], at: bigint): boolean {
  const select = live
    .prepare<[string], bigint>('SELECT position FROM main.projection_checkpoints WHERE projection = ?')
    .pluck()
    .safeIntegers(true);
  return projections.every((projection) => select.get(projection.name) === at);
}

function compare(
  live: ReadModelDatabase,
  projections: readonly Projection[],
  maxMismatches: number,
): { mismatches: VerifyMismatch[]; truncated: boolean } {
  const mismatches: VerifyMismatch[] = [];
  let truncated = false;
  for (const projection of projections) {
    for (const table of projection.tables) {
      const room = maxMismatches - mismatches.length;
      const keys = differingKeys(live, table, room + 1);
      if (keys.length > room) truncated = true;
      for (const key of keys.slice(0, room)) mismatches.push(describe(live, projection.name, table, key));
    }
  }
  return { mismatches, truncated };
}

function differingKeys(
  db: ReadModelDatabase,
  table: ProjectionTable,
  limit: number,
): Record<string, unknown>[] {
  const columns = table.key.map((c) => `"${c}"`).join(', ');
  const name = `"${table.name}"`;
  const sql = `SELECT ${columns} FROM (SELECT * FROM main.${name} EXCEPT SELECT * FROM ${REPLAYED}.${name})
    UNION SELECT ${columns} FROM (SELECT * FROM ${REPLAYED}.${name} EXCEPT SELECT * FROM main.${name})
    ORDER BY ${columns} LIMIT ?`;
  return db.prepare<[number], Record<string, unknown>>(sql).safeIntegers(true).all(limit);
}

function describe(
  db: ReadModelDatabase,
  projection: string,
  table: ProjectionTable,
  key: Record<string, unknown>,
): VerifyMismatch {
  const where = table.key.map((c) => `"${c}" IS ?`).join(' AND ');
  const values = table.key.map((c) => key[c]);
  const rowIn = (schema: string) =>
    db
      .prepare<unknown[], Record<string, unknown>>(`SELECT * FROM ${schema}."${table.name}" WHERE ${where}`)
      .safeIntegers(true)
      .get(...values);
  return {
    projection,
    table: table.name,
    key: Object.fromEntries(table.key.map((c) => [c, key[c] === null ? null : String(key[c])])),
    live: jsonSafe(rowIn('main')),
    replayed: jsonSafe(rowIn(REPLAYED)),
  };
}

/** Integers come back as bigint (exact); reports are JSON, so they become decimal strings. */
function jsonSafe(row: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (row === undefined) return null;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? String(v) : v]));
}
