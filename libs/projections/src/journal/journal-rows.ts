import { formatCredits, isoOf } from '@ledger/domain';
import type { ReadModelDatabase } from '../read-store/read-model-database';

/** A journal_entries row as read with safe integers (every INTEGER a bigint). */
export interface JournalEntryRow {
  position: bigint;
  entry_id: string;
  account_id: string | null;
  organization_id: string | null;
  recorded_at: bigint;
  type: string;
  actor: string;
  reason: string | null;
  rate_card_version: string;
  command_id: string | null;
  starting_balance: bigint | null;
  ending_balance: bigint | null;
  details: string;
}

export interface PostingRow {
  position: bigint;
  line: bigint;
  ledger_account: string;
  amount: bigint;
  grant_id: string | null;
}

/** A journal entry as the API shows it: amounts as signed decimal strings, times ISO. */
export interface JournalEntryView {
  readonly entryId: string;
  readonly position: string;
  readonly recordedAt: string;
  readonly type: string;
  readonly accountId: string | null;
  /** Only on an organisation's entries (its pool's money). */
  readonly organizationId?: string;
  readonly postings: readonly {
    readonly ledgerAccount: string;
    readonly amount: string;
    readonly grantId: string | null;
  }[];
  readonly startingBalance: string | null;
  readonly endingBalance: string | null;
  readonly actor: string;
  readonly reason: string | null;
  readonly rateCardVersion: string;
  readonly commandId: string | null;
  readonly details: unknown;
}

export function journalEntryView(row: JournalEntryRow, postings: readonly PostingRow[]): JournalEntryView {
  return {
    entryId: row.entry_id,
    position: String(row.position),
    recordedAt: isoOf(Number(row.recorded_at)),
    type: row.type,
    accountId: row.account_id,
    ...(row.organization_id === null ? {} : { organizationId: row.organization_id }),
    postings: postings.map((p) => ({
      ledgerAccount: p.ledger_account,
      amount: formatCredits(p.amount),
      grantId: p.grant_id,
    })),
    startingBalance: row.starting_balance === null ? null : formatCredits(row.starting_balance),
    endingBalance: row.ending_balance === null ? null : formatCredits(row.ending_balance),
    actor: row.actor,
    reason: row.reason,
    rateCardVersion: row.rate_card_version,
    commandId: row.command_id,
    details: JSON.parse(row.details) as unknown,
  };
}

/** Postings of the entries in (afterPosition, upToPosition], grouped by entry position. */
export function postingsBetween(db: ReadModelDatabase) {
  const select = db
    .prepare<[bigint, bigint], PostingRow>(
      'SELECT * FROM journal_postings WHERE position > ? AND position <= ? ORDER BY position, line',
    )
    .safeIntegers(true);
  return (afterPosition: bigint, upToPosition: bigint): Map<bigint, PostingRow[]> => {
    const grouped = new Map<bigint, PostingRow[]>();
    for (const posting of select.iterate(afterPosition, upToPosition)) {
      const list = grouped.get(posting.position);
      if (list === undefined) grouped.set(posting.position, [posting]);
      else list.push(posting);
    }
    return grouped;
  };
}
