import type { ProjectedEvent } from '../events/ledger-event';
import { BufferedRows } from '../read-store/buffered-rows';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from '../runner/projection';
import { balanceAccountOf, journalEntryOf } from './journal-entry';

export const JOURNAL_SCHEMA = `
CREATE TABLE IF NOT EXISTS journal_entries (
  position          INTEGER PRIMARY KEY,
  entry_id          TEXT    NOT NULL,
  account_id        TEXT,
  organization_id   TEXT,
  recorded_at       INTEGER NOT NULL,
  type              TEXT    NOT NULL,
  actor             TEXT    NOT NULL,
  reason            TEXT,
  rate_card_version TEXT    NOT NULL,
  command_id        TEXT,
  starting_balance  INTEGER,
  ending_balance    INTEGER,
  details           TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS journal_postings (
  position       INTEGER NOT NULL,
  line           INTEGER NOT NULL,
  ledger_account TEXT    NOT NULL,
  amount         INTEGER NOT NULL,
  grant_id       TEXT,
  PRIMARY KEY (position, line)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_balances (
  ledger_account TEXT    PRIMARY KEY,
  balance        INTEGER NOT NULL
) WITHOUT ROWID;`;

export const JOURNAL_INDEXES = `
CREATE INDEX IF NOT EXISTS journal_entries_by_account ON journal_entries (account_id, position);
CREATE INDEX IF NOT EXISTS journal_entries_by_organization ON journal_entries (organization_id, position)
  WHERE organization_id IS NOT NULL;`;

/**
 * The double-entry journal (see chart-of-accounts.ts), one entry per event, keyed by global
 * position so cursors stay stable while new entries land, plus each ledger account's balance
 * (maintained incrementally: the trial balance reads one row per ledger account, not the journal).
 */
export const journalProjection: Projection = {
  name: 'journal',
  // 2: holds, settlements (uncollected), releases, expiries, reversals (issue 17).
  // 3: organisations: pool accounts, organization_id, a member's pool-paid usage posts nothing (issue 18).
  version: 3,
  tables: [
    { name: 'journal_entries', key: ['position'] },
    { name: 'journal_postings', key: ['position', 'line'] },
    { name: 'ledger_balances', key: ['ledger_account'] },
  ],
  createSchema: (db) => db.exec(JOURNAL_SCHEMA),
  indexes: JOURNAL_INDEXES,
  openWriter: (db) => new JournalWriter(db),
};

class JournalWriter implements ProjectionWriter {
  private readonly balances: BufferedRows<bigint>;
  private readonly insertEntry;
  private readonly insertPosting;

  constructor(db: ReadModelDatabase) {
    const selectBalance = db
      .prepare<[string], bigint>('SELECT balance FROM ledger_balances WHERE ledger_account = ?')
      .pluck()
      .safeIntegers(true);
    const upsertBalance = db.prepare<[string, bigint]>(
      `INSERT INTO ledger_balances (ledger_account, balance) VALUES (?, ?)
       ON CONFLICT (ledger_account) DO UPDATE SET balance = excluded.balance`,
    );
    this.balances = new BufferedRows<bigint>(
      (account) => selectBalance.get(account),
      (account, balance) => upsertBalance.run(account, balance),
    );
    this.insertEntry = db.prepare(
      `INSERT INTO journal_entries (position, entry_id, account_id, organization_id, recorded_at, type, actor,
         reason, rate_card_version, command_id, starting_balance, ending_balance, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertPosting = db.prepare<[bigint, number, string, bigint, string | null]>(
      'INSERT INTO journal_postings (position, line, ledger_account, amount, grant_id) VALUES (?, ?, ?, ?, ?)',
    );
  }

  apply(projected: ProjectedEvent): void {
    if (projected.stream === 'webhooks') return; // no money moves: not in the journal or the export
    const own = balanceAccountOf(projected);
    const starting = own === null ? 0n : (this.balances.get(own) ?? 0n);
    const entry = journalEntryOf(projected, starting);
    this.insertEntry.run(
      entry.position,
      entry.entryId,
      entry.accountId,
      entry.organizationId,
      entry.recordedAt,
      entry.type,
      entry.actor,
      entry.reason,
      entry.rateCardVersion,
      entry.commandId,
      entry.startingBalance,
      entry.endingBalance,
      JSON.stringify(entry.details),
    );
    entry.postings.forEach((posting, line) => {
      this.insertPosting.run(entry.position, line, posting.ledgerAccount, posting.amount, posting.grantId);
      this.balances.set(
        posting.ledgerAccount,
        (this.balances.get(posting.ledgerAccount) ?? 0n) + posting.amount,
      );
    });
  }

  flush(): void {
    this.balances.flush();
  }

  discard(): void {
    this.balances.discard();
  }
}
