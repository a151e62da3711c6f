import { formatCredits } from '@ledger/domain';
import {
  journalEntryView,
  type JournalEntryRow,
  type JournalEntryView,
  type PostingRow,
} from '../journal/journal-rows';
import { CheckpointTable } from '../read-store/checkpoints';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import { journalProjection } from '../journal/journal.projection';
import { parseCursor, parseInstant, parseLimit } from './query-input';
import { assertAccountReadable } from './stream-quarantined';
import { assertOrganizationReadable } from '../organizations/organization-quarantine';

export interface JournalPage {
  readonly items: readonly JournalEntryView[];
  readonly nextCursor: string | null;
}

export interface JournalParams {
  /** ISO instant, inclusive. */
  readonly from?: string;
  /** ISO instant, exclusive. */
  readonly to?: string;
  readonly cursor?: string;
  readonly limit?: number | string;
}

export interface TrialBalance {
  readonly ledgerAccounts: Readonly<Record<string, string>>;
  /** Always "0": a non-zero total would mean an unbalanced entry, which the projection never writes. */
  readonly total: string;
  /** The journal position the figures are at. */
  readonly position: string;
}

const EARLIEST = Number.MIN_SAFE_INTEGER;
const LATEST = Number.MAX_SAFE_INTEGER;

/** One account's journal, paged by position (stable under concurrent writes), and the trial balance. */
export class JournalQuery {
  private readonly selectPage;
  private readonly selectExists;
  private readonly selectOrgPage;
  private readonly selectOrgExists;
  private readonly selectBalances;
  private readonly postings;
  private readonly checkpoints: CheckpointTable;

  constructor(private readonly db: ReadModelDatabase) {
    this.selectPage = db
      .prepare<[string, bigint, number, number, number], JournalEntryRow>(
        `SELECT * FROM journal_entries WHERE account_id = ? AND position > ?
         AND recorded_at >= ? AND recorded_at < ? ORDER BY position LIMIT ?`,
      )
      .safeIntegers(true);
    this.selectExists = db
      .prepare<[string], number>('SELECT 1 FROM journal_entries WHERE account_id = ? LIMIT 1')
      .pluck();
    this.selectOrgPage = db
      .prepare<[string, bigint, number, number, number], JournalEntryRow>(
        `SELECT * FROM journal_entries WHERE organization_id = ? AND position > ?
         AND recorded_at >= ? AND recorded_at < ? ORDER BY position LIMIT ?`,
      )
      .safeIntegers(true);
    this.selectOrgExists = db
      .prepare<[string], number>('SELECT 1 FROM journal_entries WHERE organization_id = ? LIMIT 1')
      .pluck();
    this.selectBalances = db
      .prepare<[], { ledger_account: string; balance: bigint }>(
        'SELECT ledger_account, balance FROM ledger_balances ORDER BY ledger_account',
      )
      .safeIntegers(true);
    // Per entry, not by position range: one account's page may span millions of other accounts' entries.
    this.postings = db
      .prepare<[bigint], PostingRow>('SELECT * FROM journal_postings WHERE position = ? ORDER BY line')
      .safeIntegers(true);
    this.checkpoints = new CheckpointTable(db);
  }

  /**
   * Null when the account has no entries. @throws InvalidQueryError for a bad cursor, limit, from or
   * to; StreamQuarantinedError while the account's stream is quarantined in the journal.
   */
  journal(accountId: string, params: JournalParams): JournalPage | null {
    return this.page(params, () => assertAccountReadable(this.db, journalProjection.name, accountId), {
      exists: () => this.selectExists.get(accountId) !== undefined,
      rows: (after, from, to, limit) => this.selectPage.all(accountId, after, from, to, limit),
    });
  }

  /**
   * An organisation's journal: its pool's entries and its other events (members, limits, requests),
   * as `journal` pages an account's. Null when the organisation has no entries.
   */
  organizationJournal(organizationId: string, params: JournalParams): JournalPage | null {
    const readable = () => assertOrganizationReadable(this.db, journalProjection.name, organizationId);
    return this.page(params, readable, {
      exists: () => this.selectOrgExists.get(organizationId) !== undefined,
      rows: (after, from, to, limit) => this.selectOrgPage.all(organizationId, after, from, to, limit),
    });
  }

  /** One page of entries: parameters checked first (400), then the quarantine (503), then the rows. */
  private page(
    params: JournalParams,
    assertReadable: () => void,
    select: {
      exists(): boolean;
      rows(after: bigint, from: number, to: number, limit: number): JournalEntryRow[];
    },
  ): JournalPage | null {
    const after = parseCursor(params.cursor);
    const limit = parseLimit(params.limit);
    const from = parseInstant('from', params.from) ?? EARLIEST;
    const to = parseInstant('to', params.to) ?? LATEST;
    assertReadable();
    if (!select.exists()) return null;
    const rows = select.rows(after, from, to, limit + 1);
    const items = rows.slice(0, limit).map((row) => journalEntryView(row, this.postings.all(row.position)));
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].position : null };
  }

  trialBalance(): TrialBalance {
    const ledgerAccounts: Record<string, string> = {};
    let total = 0n;
    for (const row of this.selectBalances.iterate()) {
      ledgerAccounts[row.ledger_account] = formatCredits(row.balance);
      total += row.balance;
    }
    const position = this.checkpoints.read('journal')?.position ?? 0n;
    return { ledgerAccounts, total: formatCredits(total), position: String(position) };
  }
}
