import {
  creditsFromStored,
  lapsingIn,
  msFromStored,
  withoutLapsedWindows,
  type AccountEvent,
} from '@ledger/domain';
import type { HeldWindowJson } from './hold-rows';
import type { ProjectedEvent } from '../events/ledger-event';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection, ProjectionWriter } from '../runner/projection';

/**
 * `holds`: every hold placed, keyed by (account_id, hold_id) — a hold id is unique only within its
 * account stream (see hold-rows.ts). A rejected hold is not a hold (nothing is held): no row.
 * `usage_accounts`: which account streams recorded a usage id (UsageRecorded, UsageRejected,
 * HoldSettled), so a reversal addressed by usage id alone finds its account — or all of them.
 */
export const HOLDS_SCHEMA = `
CREATE TABLE IF NOT EXISTS holds (
  account_id      TEXT    NOT NULL,
  hold_id         TEXT    NOT NULL,
  status          TEXT    NOT NULL,
  product         TEXT    NOT NULL,
  lines           TEXT    NOT NULL,
  allowance_units INTEGER NOT NULL,
  held_windows    TEXT    NOT NULL,
  credits         INTEGER NOT NULL,
  allocations     TEXT    NOT NULL,
  expires_at      INTEGER NOT NULL,
  usage_id        TEXT,
  placed_position INTEGER NOT NULL,
  closed_position INTEGER,
  PRIMARY KEY (account_id, hold_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS usage_accounts (
  usage_id   TEXT NOT NULL,
  account_id TEXT NOT NULL,
  PRIMARY KEY (usage_id, account_id)
) WITHOUT ROWID;`;

export const HOLDS_INDEXES = `
CREATE INDEX IF NOT EXISTS holds_by_hold_id ON holds (hold_id);
CREATE INDEX IF NOT EXISTS holds_open_by_expiry ON holds (expires_at, account_id, hold_id) WHERE status = 'held';
CREATE INDEX IF NOT EXISTS holds_open_by_account ON holds (account_id, placed_position) WHERE status = 'held';`;

export const holdsProjection: Projection = {
  name: 'holds',
  version: 1,
  tables: [
    { name: 'holds', key: ['account_id', 'hold_id'] },
    { name: 'usage_accounts', key: ['usage_id', 'account_id'] },
  ],
  createSchema: (db) => db.exec(HOLDS_SCHEMA),
  indexes: HOLDS_INDEXES,
  openWriter: (db) => new HoldsWriter(db),
};

/**
 * Writes straight into the runner's transaction (a hold row changes twice in its life: placed,
 * then closed), so there is nothing to buffer; a rollback takes the rows with it.
 */
class HoldsWriter implements ProjectionWriter {
  private readonly insertHold;
  private readonly closeHold;
  private readonly insertUsage;
  private readonly selectOpen;
  private readonly updateWindows;

  constructor(db: ReadModelDatabase) {
    this.insertHold = db.prepare(
      `INSERT INTO holds (account_id, hold_id, status, product, lines, allowance_units, held_windows,
         credits, allocations, expires_at, usage_id, placed_position, closed_position)
       VALUES (@accountId, @holdId, 'held', @product, @lines, @allowanceUnits, @heldWindows,
         @credits, @allocations, @expiresAt, NULL, @position, NULL)`,
    );
    this.closeHold = db.prepare<[string, string | null, bigint, string, string]>(
      `UPDATE holds SET status = ?, usage_id = ?, closed_position = ?
       WHERE account_id = ? AND hold_id = ? AND status = 'held'`,
    );
    this.insertUsage = db.prepare<[string, string]>(
      'INSERT OR IGNORE INTO usage_accounts (usage_id, account_id) VALUES (?, ?)',
    );
    // Only open holds with a window that started no earlier than two seconds before the event: a
    // reference lapses only when its instance started at or after the event's time (`lapsingIn`),
    // and every usage event asks, so an account's other open holds are neither read nor parsed
    // (the margin keeps julianday's rounding on the safe side; the exact rule is applied after).
    this.selectOpen = db.prepare<
      [string, string],
      { hold_id: string; product: string; held_windows: string }
    >(
      `SELECT hold_id, product, held_windows FROM holds WHERE account_id = ? AND status = 'held'
         AND EXISTS (SELECT 1 FROM json_each(held_windows)
                     WHERE julianday(json_extract(value, '$.startedAt')) >= julianday(?) - 2.0 / 86400)`,
    );
    this.updateWindows = db.prepare<[string, string, string]>(
      `UPDATE holds SET held_windows = ? WHERE account_id = ? AND hold_id = ? AND status = 'held'`,
    );
  }

  apply(projected: ProjectedEvent): void {
    if (projected.stream !== 'account') return;
    this.applyToRows(projected);
    this.lapse(projected.accountId, projected.event);
  }

  /** Open holds forget a window instance the event removed in its first millisecond, as the decider does. */
  private lapse(accountId: string, event: AccountEvent): void {
    if (lapsingIn(event) === null || !('recordedAt' in event.data)) return;
    for (const row of this.selectOpen.all(accountId, event.data.recordedAt)) {
      const json = JSON.parse(row.held_windows) as HeldWindowJson[];
      const windows = json.map((w) => ({ name: w.window, startedAt: msFromStored(w.startedAt), json: w }));
      const [kept] = withoutLapsedWindows([{ product: row.product, windows }], event);
      if (kept.windows.length === windows.length) continue;
      const left = windows.filter((w) => kept.windows.includes(w)).map((w) => w.json);
      this.updateWindows.run(JSON.stringify(left), accountId, row.hold_id);
    }
  }

  private applyToRows(projected: ProjectedEvent & { stream: 'account' }): void {
    const { accountId, event, position } = projected;
    switch (event.type) {
      case 'HoldPlaced': {
        const d = event.data;
        this.insertHold.run({
          accountId,
          holdId: d.holdId,
          product: d.product,
          lines: JSON.stringify(d.lines.map((l) => ({ operation: l.operation, quantity: l.quantity }))),
          allowanceUnits: d.allowanceUnits,
          heldWindows: JSON.stringify(d.heldIn),
          credits: creditsFromStored(d.credits),
          allocations: JSON.stringify(d.allocations),
          expiresAt: msFromStored(d.expiresAt),
          position,
        });
        return;
      }
      case 'HoldSettled':
        this.close(projected, 'settled', event.data.holdId, event.data.usageId);
        this.insertUsage.run(event.data.usageId, accountId);
        return;
      case 'HoldReleased':
        return this.close(projected, 'released', event.data.holdId, null);
      case 'HoldExpired':
        return this.close(projected, 'expired', event.data.holdId, null);
      case 'UsageRecorded':
      case 'UsageRejected':
        this.insertUsage.run(event.data.usageId, accountId);
        return;
      default:
        return;
    }
  }

  private close(
    projected: ProjectedEvent & { stream: 'account' },
    status: 'settled' | 'released' | 'expired',
    holdId: string,
    usageId: string | null,
  ): void {
    const changed = this.closeHold.run(status, usageId, projected.position, projected.accountId, holdId);
    // Closing a hold that is not open would mean a corrupted log: fail the batch loudly.
    if (changed.changes !== 1)
      throw new Error(
        `event at ${projected.position}: hold "${holdId}" of "${projected.accountId}" is not open`,
      );
  }

  flush(): void {}

  discard(): void {}
}
