import type { ProjectedEvent } from '../events/ledger-event';
import { BufferedRows } from '../read-store/buffered-rows';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from '../runner/projection';
import { creditGrantFromRow, type CreditGrantDbRow } from './credit-rows';
import {
  evolveCreditAccount,
  grantMovements,
  grantOpenedBy,
  moveGrant,
  NEW_CREDIT_ACCOUNT,
  type CreditAccountRow,
  type CreditGrantRow,
} from './credit-state';

export const CREDIT_BALANCES_SCHEMA = `
CREATE TABLE IF NOT EXISTS cb_accounts (
  account_id   TEXT PRIMARY KEY,
  spending_cap INTEGER,
  spend_month  INTEGER NOT NULL,
  spent        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS cb_grants (
  account_id TEXT    NOT NULL,
  grant_id   TEXT    NOT NULL,
  kind       TEXT    NOT NULL,
  credits    INTEGER NOT NULL,
  used       INTEGER NOT NULL,
  expired    INTEGER NOT NULL,
  refunded   INTEGER NOT NULL,
  held       INTEGER NOT NULL,
  remaining  INTEGER NOT NULL,
  expires_at INTEGER,
  products   TEXT,
  priority   INTEGER NOT NULL,
  granted_at INTEGER NOT NULL,
  status     TEXT    NOT NULL,
  position   INTEGER NOT NULL,
  PRIMARY KEY (account_id, grant_id)
) WITHOUT ROWID;`;

/** Credit balances per account and per grant; amounts are micro-credits (INTEGER), never floats. */
export const creditBalancesProjection: Projection = {
  name: 'credit-balances',
  // 2: holds (`held`), settlements and reversals (issue 17).
  // 3: a member's usage paid by its organisation's pool moves none of its own grants (issue 18).
  version: 3,
  tables: [
    { name: 'cb_accounts', key: ['account_id'] },
    { name: 'cb_grants', key: ['account_id', 'grant_id'] },
  ],
  createSchema: (db) => db.exec(CREDIT_BALANCES_SCHEMA),
  openWriter: (db) => new CreditBalancesWriter(db),
};

/** Separates account id and grant id in a cache key; ids never contain it (API.md id rule). */
const KEY_SEPARATOR = '\u0000';

class CreditBalancesWriter implements ProjectionWriter {
  private readonly accounts: BufferedRows<CreditAccountRow>;
  private readonly grants: BufferedRows<CreditGrantRow>;

  constructor(db: ReadModelDatabase) {
    const selectAccount = db
      .prepare<[string], { spending_cap: bigint | null; spend_month: bigint; spent: bigint }>(
        'SELECT spending_cap, spend_month, spent FROM cb_accounts WHERE account_id = ?',
      )
      .safeIntegers(true);
    const upsertAccount = db.prepare<[string, bigint | null, number, bigint]>(
      `INSERT INTO cb_accounts (account_id, spending_cap, spend_month, spent) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET spending_cap = excluded.spending_cap,
         spend_month = excluded.spend_month, spent = excluded.spent`,
    );
    const selectGrant = db
      .prepare<[string, string], CreditGrantDbRow>(
        'SELECT * FROM cb_grants WHERE account_id = ? AND grant_id = ?',
      )
      .safeIntegers(true);
    const upsertGrant = db.prepare(
      `INSERT OR REPLACE INTO cb_grants (account_id, grant_id, kind, credits, used, expired, refunded, held, remaining,
         expires_at, products, priority, granted_at, status, position)
       VALUES (@accountId, @grantId, @kind, @credits, @used, @expired, @refunded, @held, @remaining,
         @expiresAt, @products, @priority, @grantedAt, @status, @position)`,
    );
    this.accounts = new BufferedRows<CreditAccountRow>(
      (accountId) => {
        const row = selectAccount.get(accountId);
        return row === undefined
          ? undefined
          : { spendingCap: row.spending_cap, spendMonth: Number(row.spend_month), spent: row.spent };
      },
      (accountId, row) => upsertAccount.run(accountId, row.spendingCap, row.spendMonth, row.spent),
    );
    this.grants = new BufferedRows<CreditGrantRow>(
      (key) => {
        const [accountId, grantId] = key.split(KEY_SEPARATOR);
        const row = selectGrant.get(accountId, grantId);
        return row === undefined ? undefined : creditGrantFromRow(row);
      },
      (key, grant) =>
        upsertGrant.run({
          ...grant,
          accountId: key.split(KEY_SEPARATOR)[0],
          products: grant.products === null ? null : JSON.stringify(grant.products),
        }),
    );
  }

  apply(projected: ProjectedEvent): void {
    if (projected.stream !== 'account') return;
    const { accountId, event } = projected;
    if (event.type === 'AccountOpened') this.accounts.set(accountId, NEW_CREDIT_ACCOUNT);
    if (
      event.type === 'SpendingCapSet' ||
      event.type === 'UsageRecorded' ||
      event.type === 'HoldSettled' ||
      event.type === 'UsageReversed'
    ) {
      const row = this.accounts.get(accountId) ?? NEW_CREDIT_ACCOUNT;
      this.accounts.set(accountId, evolveCreditAccount(row, event));
    }
    const opened = grantOpenedBy(event, projected.position);
    if (opened !== undefined) this.grants.set(accountId + KEY_SEPARATOR + opened.grantId, opened);
    for (const movement of grantMovements(event)) {
      const key = accountId + KEY_SEPARATOR + movement.grantId;
      const grant = this.grants.get(key);
      // A movement on an unknown grant would mean a corrupted log: fail the batch loudly.
      if (grant === undefined)
        throw new Error(`event at ${projected.position}: unknown grant "${movement.grantId}"`);
      this.grants.set(key, moveGrant(grant, movement));
    }
  }

  flush(): void {
    this.accounts.flush();
    this.grants.flush();
  }

  discard(): void {
    this.accounts.discard();
    this.grants.discard();
  }
}
