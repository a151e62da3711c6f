import { Readable } from 'node:stream';
import {
  journalEntryView,
  postingsBetween,
  type JournalEntryRow,
  type JournalEntryView,
} from '../journal/journal-rows';
import { CheckpointTable } from '../read-store/checkpoints';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import { InvalidQueryError, parseInstant } from './query-input';

export type ExportFormat = 'csv' | 'jsonl';

export interface ExportParams {
  readonly from?: string;
  readonly to?: string;
  readonly format?: string;
  /** Entries read per query. Default 2000. */
  readonly chunkSize?: number;
}

export const CSV_HEADER =
  'entry_id,position,recorded_at,type,account_id,line,ledger_account,amount,grant_id,starting_balance,ending_balance,actor,reason,rate_card_version,command_id\n';

/**
 * The whole journal (or a time range) as CSV (one line per posting; an entry without postings
 * gets one line with empty posting fields) or JSONL (one entry per line). Constant memory for any
 * size: entries are read in chunks by position (keyset), each chunk's statement finished before
 * it is handed on, so the connection is never held across the stream's pauses and the runner
 * keeps writing. The export stops at the journal's position when it began: a consistent cut.
 */
export class JournalExport {
  private readonly selectChunk;
  private readonly postings;
  private readonly checkpoints: CheckpointTable;

  constructor(db: ReadModelDatabase) {
    this.selectChunk = db
      .prepare<[bigint, bigint, number, number, number], JournalEntryRow>(
        `SELECT * FROM journal_entries WHERE position > ? AND position <= ?
         AND recorded_at >= ? AND recorded_at < ? ORDER BY position LIMIT ?`,
      )
      .safeIntegers(true);
    this.postings = postingsBetween(db);
    this.checkpoints = new CheckpointTable(db);
  }

  /** @throws InvalidQueryError for a bad from, to or format (before anything is streamed). */
  stream(params: ExportParams): { readonly format: ExportFormat; readonly body: Readable } {
    const format = params.format ?? 'jsonl';
    if (format !== 'csv' && format !== 'jsonl')
      throw new InvalidQueryError('format', 'must be "csv" or "jsonl"');
    const from = parseInstant('from', params.from) ?? Number.MIN_SAFE_INTEGER;
    const to = parseInstant('to', params.to) ?? Number.MAX_SAFE_INTEGER;
    const upTo = this.checkpoints.read('journal')?.position ?? 0n;
    const chunkSize = params.chunkSize ?? 2_000;
    const chunks = this.chunks(format, from, to, upTo, chunkSize);
    return { format, body: Readable.from(chunks, { objectMode: false }) };
  }

  private *chunks(
    format: ExportFormat,
    from: number,
    to: number,
    upTo: bigint,
    chunkSize: number,
  ): Generator<string> {
    if (format === 'csv') yield CSV_HEADER;
    let after = 0n;
    for (;;) {
      const rows = this.selectChunk.all(after, upTo, from, to, chunkSize);
      if (rows.length === 0) return;
      const postings = this.postings(after, rows[rows.length - 1].position);
      const lines = rows.map((row) => {
        const entry = journalEntryView(row, postings.get(row.position) ?? []);
        return format === 'csv' ? csvLines(entry) : `${JSON.stringify(entry)}\n`;
      });
      yield lines.join('');
      if (rows.length < chunkSize) return;
      after = rows[rows.length - 1].position;
    }
  }
}

function csvLines(entry: JournalEntryView): string {
  const common = (line: string, account: string, amount: string, grantId: string | null) =>
    [
      text(entry.entryId),
      number(String(entry.position)),
      text(entry.recordedAt),
      text(entry.type),
      text(entry.accountId),
      number(line),
      text(account),
      number(amount),
      text(grantId),
      number(entry.startingBalance),
      number(entry.endingBalance),
      text(entry.actor),
      text(entry.reason),
      text(entry.rateCardVersion),
      text(entry.commandId),
    ]
      .map(csvField)
      .join(',') + '\n';
  if (entry.postings.length === 0) return common('', '', '', null);
  return entry.postings.map((p, i) => common(String(i), p.ledgerAccount, p.amount, p.grantId)).join('');
}

/** Cells a spreadsheet would evaluate as a formula (SPEC §10: `=`, `+`, `-`, `@`, tab, CR first). */
const FORMULA_START = /^[=+\-@\t\r]/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;

/**
 * A text cell (ids, reasons, actors, versions: anything a caller or operator wrote) that would start
 * a formula gets a leading `'`, which spreadsheets show as text and do not evaluate: `=HYPERLINK(…)`
 * becomes `'=HYPERLINK(…)`. Ids may start with `-` (`-A1` is a cell reference), so ids are text too.
 */
export function neutraliseCsvText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return FORMULA_START.test(value) ? `'${value}` : value;
}

const text = neutraliseCsvText;

/**
 * A numeric cell (position, line, amounts, balances) stays a number, "-5" included, so finance can
 * sum it; these are written by the ledger as plain decimals, and anything else is treated as text.
 */
function number(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return value ?? null;
  return DECIMAL.test(value) ? value : neutraliseCsvText(value);
}

/** RFC 4180: quote fields holding a comma, quote or line break; double inner quotes. */
function csvField(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
