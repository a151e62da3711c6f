import type { EpochMs, HoldState } from '@ledger/domain';
import { holdStateOf, holdViewOf, type HoldDbRow, type HoldView } from '../holds/hold-rows';
import { holdsProjection } from '../holds/holds.projection';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import { assertAccountReadable } from './stream-quarantined';

/**
 * A hold id is unique only within its account stream: when two accounts each hold one of that id,
 * a lookup by hold id alone cannot say which is meant. The HTTP layer answers 409 naming the
 * accounts; nothing picks one silently.
 */
export class AmbiguousHoldIdError extends Error {
  constructor(
    readonly holdId: string,
    readonly accountIds: readonly string[],
  ) {
    super(`hold id "${holdId}" names holds of several accounts: ${accountIds.join(', ')}`);
    this.name = 'AmbiguousHoldIdError';
  }
}

/** A hold due to expire, for the expiry scheduler (which issues ExpireHold to its account). */
export interface DueHold {
  readonly holdId: string;
  readonly accountId: string;
}

/** Hold lookups over the `holds` read model, and the usage → accounts index beside it. */
export class HoldQuery {
  private readonly selectById;
  private readonly selectAccountsOfHold;
  private readonly selectOne;
  private readonly selectOpenOfAccount;
  private readonly selectDue;
  private readonly selectUsageAccounts;

  constructor(private readonly db: ReadModelDatabase) {
    this.selectById = db
      .prepare<[string], HoldDbRow>('SELECT * FROM holds WHERE hold_id = ? ORDER BY account_id')
      .safeIntegers(true);
    // The settle path's lookup: the account column alone, from the (hold_id) index (covering: the
    // table's key is (account_id, hold_id)), not the row with its JSON lines.
    this.selectAccountsOfHold = db
      .prepare<[string], string>('SELECT account_id FROM holds WHERE hold_id = ? ORDER BY account_id')
      .pluck();
    this.selectOne = db
      .prepare<[string, string], HoldDbRow>('SELECT * FROM holds WHERE account_id = ? AND hold_id = ?')
      .safeIntegers(true);
    this.selectOpenOfAccount = db
      .prepare<[string], HoldDbRow>(
        `SELECT * FROM holds WHERE account_id = ? AND status = 'held' ORDER BY placed_position`,
      )
      .safeIntegers(true);
    this.selectDue = db.prepare<[number, number], { hold_id: string; account_id: string }>(
      `SELECT hold_id, account_id FROM holds WHERE status = 'held' AND expires_at <= ?
       ORDER BY expires_at, account_id, hold_id LIMIT ?`,
    );
    this.selectUsageAccounts = db
      .prepare<[string], string>(
        'SELECT account_id FROM usage_accounts WHERE usage_id = ? ORDER BY account_id',
      )
      .pluck();
  }

  /**
   * `GET /v1/holds/{holdId}`: undefined when no account placed a hold of that id (a rejected hold
   * is none); AmbiguousHoldIdError when several did; StreamQuarantinedError when its account's
   * holds are held back.
   */
  holdOf(holdId: string): HoldView | undefined {
    const row = this.single(holdId);
    if (row === undefined) return undefined;
    assertAccountReadable(this.db, holdsProjection.name, row.account_id);
    return holdViewOf(row);
  }

  /** The hold of that id in that account's stream (no ambiguity: ids are unique per account). */
  holdIn(accountId: string, holdId: string): HoldView | undefined {
    const row = this.selectOne.get(accountId, holdId);
    if (row === undefined) return undefined;
    assertAccountReadable(this.db, holdsProjection.name, accountId);
    return holdViewOf(row);
  }

  /** The account whose stream holds the hold (to address settle/release); same errors as holdOf. */
  accountOfHold(holdId: string): string | undefined {
    const accounts = this.accountsOfHold(holdId);
    if (accounts.length > 1) throw new AmbiguousHoldIdError(holdId, accounts);
    return accounts[0];
  }

  /** Every account whose stream placed a hold of that id (a refused hold is none), sorted. */
  accountsOfHold(holdId: string): readonly string[] {
    return this.selectAccountsOfHold.all(holdId);
  }

  /** Every account whose stream recorded the usage id (usage, rejection or settlement), sorted. */
  accountsOfUsage(usageId: string): readonly string[] {
    return this.selectUsageAccounts.all(usageId);
  }

  /** Open holds whose expiry has come (`expiresAt <= now`, inclusive like the domain), oldest first. */
  dueHolds(now: EpochMs, limit: number): DueHold[] {
    return this.selectDue.all(now, limit).map((r) => ({ holdId: r.hold_id, accountId: r.account_id }));
  }

  /** The account's open holds in the decider's shape (the `holds` slice of AccountState). */
  openHoldsOf(accountId: string): HoldState[] {
    return this.selectOpenOfAccount.all(accountId).map(holdStateOf);
  }

  private single(holdId: string): HoldDbRow | undefined {
    const rows = this.selectById.all(holdId);
    if (rows.length > 1)
      throw new AmbiguousHoldIdError(
        holdId,
        rows.map((r) => r.account_id),
      );
    return rows[0];
  }
}
