import {
  noAlerts,
  noMembership,
  accountView,
  formatCredits,
  grantStatus,
  type AccountState,
  type AccountView,
  type EpochMs,
  type GrantState,
  type MembershipState,
  type RateCard,
} from '@ledger/domain';
import { creditGrantFromRow, type CreditGrantDbRow } from '../credit-balances/credit-rows';
import type { CreditGrantRow } from '../credit-balances/credit-state';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import { GlobalResetsReader } from './global-resets';
import { HoldQuery } from './hold-query';

/** Per grant, where its credits went (finance and support detail beyond the account view). */
export interface GrantBalance {
  readonly grantId: string;
  readonly kind: 'purchase' | 'promotional';
  readonly granted: string;
  readonly used: string;
  readonly expired: string;
  readonly refunded: string;
  /** Kept by open holds (not in `remaining`). */
  readonly held: string;
  readonly remaining: string;
  readonly expiresAt: string | null;
  readonly status: 'active' | 'exhausted' | 'expired' | 'refunded';
}

/**
 * `GET /v1/accounts/{id}` from the read models. The rows are turned back into the decider's state
 * shape (without its idempotency index) and rendered by the domain's own `accountView`, so the
 * read side and the decider cannot disagree on what "live window" or "expired grant" means.
 */
export class AccountQuery {
  private readonly selectPlan;
  private readonly selectMembership;
  private readonly selectWindows;
  private readonly selectGrants;
  private readonly selectCreditAccount;
  private readonly selectExpiring;
  private readonly resets: GlobalResetsReader;
  private readonly holds: HoldQuery;

  constructor(db: ReadModelDatabase) {
    this.holds = new HoldQuery(db);
    this.selectPlan = db
      .prepare<[string], string>('SELECT plan FROM aw_accounts WHERE account_id = ?')
      .pluck();
    this.selectMembership = db.prepare<
      [string],
      { organization_id: string | null; own_plan: string | null; member_group: string | null }
    >('SELECT organization_id, own_plan, member_group FROM aw_accounts WHERE account_id = ?');
    this.selectWindows = db.prepare<
      [string],
      { product: string; window_name: string; started_at: number; resets_at: number; used: number }
    >('SELECT product, window_name, started_at, resets_at, used FROM aw_windows WHERE account_id = ?');
    this.selectGrants = db
      .prepare<[string], CreditGrantDbRow>('SELECT * FROM cb_grants WHERE account_id = ? ORDER BY position')
      .safeIntegers(true);
    this.selectCreditAccount = db
      .prepare<[string], { spending_cap: bigint | null; spend_month: bigint; spent: bigint }>(
        'SELECT spending_cap, spend_month, spent FROM cb_accounts WHERE account_id = ?',
      )
      .safeIntegers(true);
    this.selectExpiring = db
      .prepare<[number, number], string>(
        `SELECT DISTINCT account_id FROM cb_grants
         WHERE status = 'open' AND remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ?
         ORDER BY account_id LIMIT ?`,
      )
      .pluck();
    this.resets = new GlobalResetsReader(db);
  }

  /** Accounts holding credits past their expiry that no CreditsExpired has written off yet (for the scheduler). */
  accountsWithExpiredCredits(now: EpochMs, limit: number): string[] {
    return this.selectExpiring.all(now, limit);
  }

  /** Null when no such account was opened. `now` is the ledger's clock (system or simulated). */
  account(accountId: string, now: EpochMs, rateCard: RateCard): AccountView | null {
    const state = this.stateOf(accountId);
    return state === null ? null : accountView(state, now, { rateCard, resets: this.resets.resets(now) });
  }

  /** Every grant of the account with granted/used/expired/refunded/held/remaining; null for an unknown account. */
  grantBalances(accountId: string, now: EpochMs): GrantBalance[] | null {
    if (this.selectPlan.get(accountId) === undefined) return null;
    return this.selectGrants.all(accountId).map((row) => {
      const grant = creditGrantFromRow(row);
      const status = grantStatus(grantStateOf(grant), now, grant.held);
      return {
        grantId: grant.grantId,
        kind: grant.kind,
        granted: formatCredits(grant.credits),
        used: formatCredits(grant.used),
        expired: formatCredits(grant.expired),
        refunded: formatCredits(grant.refunded),
        held: formatCredits(grant.held),
        remaining: formatCredits(status === 'active' ? grant.remaining : 0n),
        expiresAt: grant.expiresAt === null ? null : new Date(grant.expiresAt).toISOString(),
        status,
      };
    });
  }

  /** The decider-shaped state the read models hold for an account (idempotency index left empty). */
  stateOf(accountId: string): AccountState | null {
    const plan = this.selectPlan.get(accountId);
    if (plan === undefined) return null;
    const credit = this.selectCreditAccount.get(accountId);
    return {
      version: 0,
      accountId,
      plan,
      // Only the decider reads it (a retried OpenAccount); the read models do not keep it.
      openedWithPlan: null,
      // Open holds: every view of held amounts reads just those. How closed holds ended matters
      // only to the decider (a late settle naming the state), which folds the log, not these rows.
      holds: new Map(this.holds.openHoldsOf(accountId).map((h) => [h.holdId, h])),
      closedHolds: new Map(),
      // Only the decider reads it (at most one reversal per usage).
      reversals: new Map(),
      // Only the decider reads it (auto top-up); the notifications read model keeps its own.
      alerts: noAlerts(),
      membership: this.membershipOf(accountId),
      windows: this.selectWindows.all(accountId).map((w) => ({
        product: w.product,
        name: w.window_name,
        startedAt: w.started_at,
        resetsAt: w.resets_at,
        used: w.used,
      })),
      grants: this.selectGrants.all(accountId).map((row) => grantStateOf(creditGrantFromRow(row))),
      spendingCap: credit?.spending_cap ?? null,
      monthSpend: { month: Number(credit?.spend_month ?? 0n), credits: credit?.spent ?? 0n },
      idempotency: new Map(),
    };
  }

  /** The account's organisation, as the allowance read model keeps it (pool holds: only the decider reads them). */
  private membershipOf(accountId: string): MembershipState {
    const row = this.selectMembership.get(accountId);
    if (row === undefined || row.organization_id === null) return noMembership();
    return {
      ...noMembership(),
      organizationId: row.organization_id,
      ownPlan: row.own_plan,
      group: row.member_group,
    };
  }
}

function grantStateOf(row: CreditGrantRow): GrantState {
  return {
    grantId: row.grantId,
    kind: row.kind,
    credits: row.credits,
    remaining: row.remaining,
    expiresAt: row.expiresAt,
    products: row.products,
    priority: row.priority,
    grantedAt: row.grantedAt,
    status: row.status,
    amountPaid: null,
  };
}
