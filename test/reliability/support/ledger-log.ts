import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  accountView,
  creditsFromStored,
  evolveLimitsResets,
  foldAccount,
  initialLimitsResetsState,
  LIMITS_RESETS_STREAM,
  type AccountEvent,
  type AccountState,
  type AccountView,
  type GlobalLimitsReset,
  type LimitsReset,
  type RateCard,
  type UsageRecorded,
  type UsageRejected,
} from '@ledger/domain';
import { loadRateCard } from '../../../apps/ledger/src/core/rate-card.loader';
import { DEFAULT_RATE_CARD_PATH } from '../../../apps/ledger/src/config/ledger-config';
import type { LedgerServer } from './server-process';

/** The log as a reader finds it on disk: every account stream's events in revision order. */
export interface LedgerLog {
  readonly head: bigint;
  readonly accounts: ReadonlyMap<string, readonly AccountEvent[]>;
  readonly resets: readonly GlobalLimitsReset[];
  /** Every usage decision by usageId (per account: ids are scoped to their account). */
  readonly usages: ReadonlyMap<string, UsageRecorded | UsageRejected>;
}

export function usageKey(accountId: string, usageId: string): string {
  return `${accountId}/${usageId}`;
}

/** Reads events.sqlite read-only (WAL: sees every committed transaction, changes nothing). */
export function readLedgerLog(dataDir: string): LedgerLog {
  const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT stream, type, data FROM events ORDER BY position').all() as {
      stream: string;
      type: string;
      data: string;
    }[];
    const accounts = new Map<string, AccountEvent[]>();
    let resetsState = initialLimitsResetsState();
    for (const row of rows) {
      const event = { type: row.type, data: JSON.parse(row.data) as unknown };
      if (row.stream === LIMITS_RESETS_STREAM) {
        resetsState = evolveLimitsResets(resetsState, event as LimitsReset);
        continue;
      }
      const accountId = row.stream.replace(/^account-/, '');
      const list = accounts.get(accountId) ?? [];
      list.push(event as AccountEvent);
      accounts.set(accountId, list);
    }
    const usages = new Map<string, UsageRecorded | UsageRejected>();
    for (const [accountId, events] of accounts) {
      for (const event of events) {
        if (event.type === 'UsageRecorded' || event.type === 'UsageRejected') {
          usages.set(usageKey(accountId, event.data.usageId), event);
        }
      }
    }
    return { head: BigInt(rows.length), accounts, resets: resetsState.resets, usages };
  } finally {
    db.close();
  }
}

let shippedRateCard: RateCard | undefined;
export function rateCard(): RateCard {
  shippedRateCard ??= loadRateCard(DEFAULT_RATE_CARD_PATH);
  return shippedRateCard;
}

/** What GET /v1/accounts/{id} must say, computed from the log alone with the domain's fold. */
export function viewFromLog(log: LedgerLog, accountId: string, now: number): AccountView | null {
  const events = log.accounts.get(accountId);
  if (events === undefined) return null;
  return accountView(foldAccount(events), now, { rateCard: rateCard(), resets: log.resets });
}

/**
 * The ledger's invariants, checked on the raw log (SPEC §5): each usage decided once, charges
 * equal their allocations, no grant drawn past what it held, no window charged past its limit,
 * and window counters that chain (a lost update would break the chain). Returns the violations.
 */
export function logViolations(log: LedgerLog): string[] {
  const problems: string[] = [];
  for (const [accountId, events] of log.accounts) {
    const seen = new Set<string>();
    const drawn = new Map<string, bigint>();
    const held = new Map<string, bigint>();
    const lastWindow = new Map<string, { startedAt: string | null; used: number }>();
    for (const event of events) {
      if (event.type === 'CreditsPurchased')
        held.set(event.data.purchaseId, creditsFromStored(event.data.credits));
      if (event.type === 'CreditsGranted')
        held.set(event.data.grantId, creditsFromStored(event.data.credits));
      if (event.type === 'AccountLimitsReset') lastWindow.clear();
      if (event.type !== 'UsageRecorded' && event.type !== 'UsageRejected') continue;
      const d = event.data;
      if (seen.has(d.usageId)) problems.push(`${accountId}: usage ${d.usageId} decided twice`);
      seen.add(d.usageId);
      if (event.type === 'UsageRejected') continue;
      const charged = creditsFromStored(event.data.creditsCharged);
      const allocated = event.data.allocations.reduce((s, a) => s + creditsFromStored(a.credits), 0n);
      if (charged !== allocated)
        problems.push(`${accountId}: usage ${d.usageId} charged ${charged} ≠ allocated ${allocated}`);
      for (const a of event.data.allocations) {
        const total = (drawn.get(a.grantId) ?? 0n) + creditsFromStored(a.credits);
        drawn.set(a.grantId, total);
        if (total > (held.get(a.grantId) ?? 0n))
          problems.push(`${accountId}: grant ${a.grantId} overdrawn (${total} µcredits drawn)`);
      }
      for (const w of event.data.windows) {
        const key = `${w.product}/${w.window}`;
        if (event.data.allowanceUnits > 0 && w.used > w.limit) {
          problems.push(`${accountId}: usage ${d.usageId} took ${key} to ${w.used} > ${w.limit}`);
        }
        const before = lastWindow.get(key);
        if (
          before &&
          before.startedAt === w.startedAt &&
          w.startedAt !== null &&
          w.used !== before.used + event.data.allowanceUnits
        ) {
          problems.push(
            `${accountId}: usage ${d.usageId}: ${key} used ${before.used} + ${event.data.allowanceUnits} ≠ ${w.used} (lost update)`,
          );
        }
        lastWindow.set(key, { startedAt: w.startedAt, used: w.used });
      }
    }
    const state: AccountState = foldAccount(events);
    for (const grant of state.grants) {
      if (grant.remaining < 0n)
        problems.push(`${accountId}: grant ${grant.grantId} negative (${grant.remaining})`);
    }
  }
  return problems;
}

/**
 * Every account read on `server`, once its read models reached the log's head (read-your-writes),
 * must equal the log's own fold of that account.
 */
export async function expectReadsToFoldTheLog(
  server: LedgerServer,
  log: LedgerLog,
  accounts: readonly string[],
  /** The servers' time (a simulated clock); the system clock by default. */
  now: () => number = Date.now,
): Promise<void> {
  for (const accountId of accounts) {
    const path = `/v1/accounts/${accountId}?minPosition=${log.head}`;
    const answer = await server.client.as('support')({ method: 'GET', path });
    expect({ status: answer.status, body: answer.json }).toEqual({
      status: 200,
      body: viewFromLog(log, accountId, now()),
    });
  }
}
