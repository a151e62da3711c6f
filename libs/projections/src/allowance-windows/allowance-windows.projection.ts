import { msFromStored } from '@ledger/domain';
import type { ProjectedEvent } from '../events/ledger-event';
import { BufferedRows } from '../read-store/buffered-rows';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from '../runner/projection';
import { evolveAllowance, type AllowanceState } from './allowance-state';

export const ALLOWANCE_WINDOWS_SCHEMA = `
CREATE TABLE IF NOT EXISTS aw_accounts (
  account_id      TEXT PRIMARY KEY,
  plan            TEXT NOT NULL,
  organization_id TEXT,
  own_plan        TEXT,
  member_group    TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aw_windows (
  account_id  TEXT    NOT NULL,
  product     TEXT    NOT NULL,
  window_name TEXT    NOT NULL,
  started_at  INTEGER NOT NULL,
  resets_at   INTEGER NOT NULL,
  used        INTEGER NOT NULL,
  PRIMARY KEY (account_id, product, window_name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aw_global_resets (
  position INTEGER PRIMARY KEY,
  reset_id TEXT    NOT NULL,
  scope    TEXT    NOT NULL,
  plan     TEXT,
  product  TEXT,
  reset_at INTEGER NOT NULL
);`;

interface WindowRow {
  product: string;
  window_name: string;
  started_at: number;
  resets_at: number;
  used: number;
}

/** Allowance windows per account and product (times in epoch ms), plus the global resets log. */
export const allowanceWindowsProjection: Projection = {
  name: 'allowance-windows',
  // 2: hold events anchor windows, settlements and reversals move them (issue 17).
  // 3: membership of an organisation (its plan, the account's own plan, the group) (issue 18).
  version: 3,
  tables: [
    { name: 'aw_accounts', key: ['account_id'] },
    { name: 'aw_windows', key: ['account_id', 'product', 'window_name'] },
    { name: 'aw_global_resets', key: ['position'] },
  ],
  createSchema: (db) => db.exec(ALLOWANCE_WINDOWS_SCHEMA),
  openWriter: (db) => new AllowanceWindowsWriter(db),
};

class AllowanceWindowsWriter implements ProjectionWriter {
  private readonly accounts: BufferedRows<AllowanceState>;
  private readonly insertReset;

  constructor(db: ReadModelDatabase) {
    const selectPlan = db.prepare<
      [string],
      { plan: string; organization_id: string | null; own_plan: string | null; member_group: string | null }
    >('SELECT plan, organization_id, own_plan, member_group FROM aw_accounts WHERE account_id = ?');
    const selectWindows = db.prepare<[string], WindowRow>(
      'SELECT product, window_name, started_at, resets_at, used FROM aw_windows WHERE account_id = ? ORDER BY product, window_name',
    );
    const upsertAccount = db.prepare<[string, string, string | null, string | null, string | null]>(
      `INSERT INTO aw_accounts (account_id, plan, organization_id, own_plan, member_group) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET plan = excluded.plan, organization_id = excluded.organization_id,
         own_plan = excluded.own_plan, member_group = excluded.member_group`,
    );
    const deleteWindows = db.prepare<[string]>('DELETE FROM aw_windows WHERE account_id = ?');
    const insertWindow = db.prepare<[string, string, string, number, number, number]>(
      'INSERT INTO aw_windows (account_id, product, window_name, started_at, resets_at, used) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertReset = db.prepare<[bigint, string, string, string | null, string | null, number]>(
      'INSERT INTO aw_global_resets (position, reset_id, scope, plan, product, reset_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.accounts = new BufferedRows<AllowanceState>(
      (accountId) => {
        const account = selectPlan.get(accountId);
        if (account === undefined) return undefined;
        const windows = selectWindows.all(accountId).map((w) => ({
          product: w.product,
          name: w.window_name,
          startedAt: w.started_at,
          resetsAt: w.resets_at,
          used: w.used,
        }));
        const membership =
          account.organization_id === null
            ? null
            : {
                organizationId: account.organization_id,
                ownPlan: account.own_plan ?? account.plan,
                group: account.member_group,
              };
        return { plan: account.plan, windows, membership };
      },
      (accountId, state) => {
        const m = state.membership ?? null;
        upsertAccount.run(
          accountId,
          state.plan,
          m?.organizationId ?? null,
          m?.ownPlan ?? null,
          m?.group ?? null,
        );
        deleteWindows.run(accountId);
        for (const w of state.windows)
          insertWindow.run(accountId, w.product, w.name, w.startedAt, w.resetsAt, w.used);
      },
    );
  }

  apply(projected: ProjectedEvent): void {
    if (projected.stream === 'webhooks') return;
    if (projected.stream === 'limits-resets') {
      const { resetId, scope, plan, product, resetAt } = projected.event.data;
      this.insertReset.run(projected.position, resetId, scope, plan, product, msFromStored(resetAt));
      return;
    }
    if (projected.stream !== 'account') return;
    const before = this.accounts.get(projected.accountId);
    const after = evolveAllowance(before, projected.event);
    if (after !== undefined && after !== before) this.accounts.set(projected.accountId, after);
  }

  flush(): void {
    this.accounts.flush();
  }

  discard(): void {
    this.accounts.discard();
  }
}
