import { AppendOnlyIndex } from '../append-only-index';
import { creditsFromStored, formatCredits } from '../credits';
import type { IdempotencyEntry } from '../idempotency';
import type { AccountState, GrantState, OpenWindow } from './state';
import type { ClosedHold, HoldState } from '../holds/state';

/**
 * Snapshots let the shell skip folding a long stream. The format is versioned; a snapshot of
 * another format (or a corrupted one) throws, and the shell must then fold from revision 0.
 * Credits become decimal strings and the idempotency index a list of [key, fingerprint, revision]
 * triples — the compact part that grows with every keyed command.
 */
/**
 * 3 added the holds slice (issue 17); 4 split it: open holds in full, closed holds as
 * [holdId, status, usageId] triples. A snapshot of another format is refused: the shell must then
 * fold from 0 (it bumps its snapshot version with this one, so it never loads an older one).
 */
export const SNAPSHOT_FORMAT = 4;

type GrantJson = Omit<GrantState, 'credits' | 'remaining'> & { credits: string; remaining: string };

export interface AccountSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly version: number;
  readonly accountId: string | null;
  readonly plan: string | null;
  readonly openedWithPlan: string | null;
  readonly windows: readonly OpenWindow[];
  readonly grants: readonly GrantJson[];
  readonly spendingCap: string | null;
  readonly monthSpend: { readonly month: number; readonly credits: string };
  readonly idempotency: readonly (readonly [string, string, number])[];
  /** Open holds only. */
  readonly holds: readonly HoldJson[];
  readonly closedHolds: readonly (readonly [string, ClosedHold['status'], string | null])[];
  readonly reversals: readonly (readonly [string, string])[];
}

type HoldJson = Omit<HoldState, 'credits' | 'allocations'> & {
  credits: string;
  allocations: readonly { grantId: string; credits: string }[];
};

export function snapshotOf(state: AccountState): AccountSnapshot {
  return {
    format: SNAPSHOT_FORMAT,
    version: state.version,
    accountId: state.accountId,
    plan: state.plan,
    openedWithPlan: state.openedWithPlan,
    windows: state.windows,
    grants: state.grants.map((g) => ({
      ...g,
      credits: formatCredits(g.credits),
      remaining: formatCredits(g.remaining),
    })),
    spendingCap: state.spendingCap === null ? null : formatCredits(state.spendingCap),
    monthSpend: { month: state.monthSpend.month, credits: formatCredits(state.monthSpend.credits) },
    idempotency: [...state.idempotency].map(([key, e]) => [key, e.fingerprint, e.revision] as const),
    holds: [...state.holds.values()].map((h) => ({
      ...h,
      credits: formatCredits(h.credits),
      allocations: h.allocations.map((a) => ({ grantId: a.grantId, credits: formatCredits(a.credits) })),
    })),
    closedHolds: [...state.closedHolds].map(([holdId, c]) => [holdId, c.status, c.usageId] as const),
    reversals: [...state.reversals],
  };
}

function isSnapshotOfThisFormat(json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return false;
  const s = json as Record<string, unknown>;
  const lists = [s.idempotency, s.holds, s.closedHolds, s.reversals];
  return s.format === SNAPSHOT_FORMAT && lists.every((list) => Array.isArray(list));
}

export function stateFromSnapshot(json: unknown): AccountState {
  const s = json as AccountSnapshot;
  if (!isSnapshotOfThisFormat(json)) {
    throw new RangeError(
      `not an account snapshot of format ${SNAPSHOT_FORMAT}: fold the stream from revision 0`,
    );
  }
  return {
    version: s.version,
    accountId: s.accountId,
    plan: s.plan,
    openedWithPlan: s.openedWithPlan,
    windows: s.windows.map((w) => ({ ...w })),
    grants: s.grants.map((g) => ({
      ...g,
      credits: creditsFromStored(g.credits),
      remaining: creditsFromStored(g.remaining),
    })),
    spendingCap: s.spendingCap === null ? null : creditsFromStored(s.spendingCap),
    monthSpend: { month: s.monthSpend.month, credits: creditsFromStored(s.monthSpend.credits) },
    idempotency: AppendOnlyIndex.of<string, IdempotencyEntry>(
      s.idempotency.map(([key, fingerprint, revision]) => [key, { fingerprint, revision }]),
    ),
    holds: new Map(
      s.holds.map((h): [string, HoldState] => [
        h.holdId,
        {
          ...h,
          credits: creditsFromStored(h.credits),
          allocations: h.allocations.map((a) => ({
            grantId: a.grantId,
            credits: creditsFromStored(a.credits),
          })),
        },
      ]),
    ),
    closedHolds: AppendOnlyIndex.of<string, ClosedHold>(
      s.closedHolds.map(([holdId, status, usageId]) => [holdId, { status, usageId }]),
    ),
    reversals: AppendOnlyIndex.of<string, string>(s.reversals),
  };
}
