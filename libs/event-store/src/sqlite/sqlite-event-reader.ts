import type Database from 'better-sqlite3';
import {
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  START,
  StreamName,
  StreamNotFoundError,
} from '../event-store';

/** A row as SQLite returns it in raw mode (an array: no per-row object keys to build). */
type EventRow = [
  position: bigint,
  id: string,
  stream: string,
  revision: bigint,
  type: string,
  data: string,
  metadata: string,
  recorded_at: string,
];

const COLUMNS = 'position, id, stream, revision, type, data, metadata, recorded_at';
/** SQLite's LIMIT -1 means "no limit". */
const NO_LIMIT = -1;
const MAX_REVISION = 9223372036854775807n;

/** The read side of the SQLite store: prepared once, bigint columns read as bigint. */
export class SqliteEventReader {
  private readonly forwards: Database.Statement<[string, bigint, number], EventRow>;
  private readonly backwards: Database.Statement<[string, bigint, number], EventRow>;
  private readonly streamExists: Database.Statement<[string], number>;
  private readonly afterPosition: Database.Statement<[bigint, number], EventRow>;
  private readonly lastPosition: Database.Statement<[], bigint | null>;

  constructor(db: Database.Database) {
    const prepare = <P extends unknown[], R>(sql: string) => db.prepare<P, R>(sql).safeIntegers(true);
    const prepareRows = <P extends unknown[]>(sql: string) => prepare<P, EventRow>(sql).raw(true);
    this.forwards = prepareRows(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
    );
    this.backwards = prepareRows(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    );
    this.streamExists = prepare<[string], number>(`SELECT 1 FROM events WHERE stream = ? LIMIT 1`).pluck();
    this.afterPosition = prepareRows(
      `SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    );
    this.lastPosition = prepare<[], bigint | null>(`SELECT MAX(position) FROM events`).pluck();
    this.readStream = db.transaction((stream: StreamName, options?: ReadStreamOptions) =>
      this.readStreamUnlocked(stream, options),
    );
  }

  /**
   * One read transaction for the page and, when it is empty, the existence check: each implicit
   * transaction takes and releases the WAL read lock (two fcntl calls, dear in some sandboxes), and
   * an empty page is the common case (a cached account brought up to date before a decision).
   */
  readonly readStream: (stream: StreamName, options?: ReadStreamOptions) => RecordedEvent[];

  private readStreamUnlocked(stream: StreamName, options: ReadStreamOptions = {}): RecordedEvent[] {
    const limit = checkedLimit(options.maxCount);
    const rows =
      options.direction === 'backwards'
        ? this.backwards.all(stream, checkedRevision(options.fromRevision ?? MAX_REVISION), limit)
        : this.forwards.all(stream, checkedRevision(options.fromRevision ?? 0n), limit);
    // Only an empty answer needs the existence check: a stream with events is never "not found".
    if (rows.length === 0 && this.streamExists.get(stream) === undefined)
      throw new StreamNotFoundError(stream);
    return rows.map(toRecordedEvent);
  }

  readAll(options: ReadAllOptions = {}): RecordedEvent[] {
    return this.readAfter(options.fromPosition ?? START, checkedLimit(options.maxCount));
  }

  readAfter(position: bigint, limit: number): RecordedEvent[] {
    return this.afterPosition.all(position, limit).map(toRecordedEvent);
  }

  headPosition(): bigint {
    return this.lastPosition.get() ?? START;
  }
}

function toRecordedEvent([
  position,
  id,
  stream,
  revision,
  type,
  data,
  metadata,
  recordedAt,
]: EventRow): RecordedEvent {
  return {
    id,
    streamName: stream,
    revision,
    position,
    type,
    data: JSON.parse(data) as Record<string, unknown>,
    // Most events carry no metadata beyond "{}": skip the parse for them.
    metadata: metadata === '{}' ? {} : (JSON.parse(metadata) as Record<string, unknown>),
    recordedAt,
  };
}

function checkedLimit(maxCount: number | undefined): number {
  if (maxCount === undefined) return NO_LIMIT;
  if (!Number.isSafeInteger(maxCount) || maxCount < 0)
    throw new RangeError(`maxCount ${maxCount}: not a count`);
  return maxCount;
}

function checkedRevision(revision: bigint): bigint {
  if (revision < 0n || revision > MAX_REVISION) throw new RangeError(`revision ${revision}: out of range`);
  return revision;
}
