import { AppendOnlyIndex } from '../append-only-index';
import { creditsFromStored, formatCredits } from '../credits';
import type { IdempotencyEntry } from '../idempotency';
import type { AccountState, GrantState, OpenWindow } from './state';
import type { ClosedHold, HoldState } from '../holds/state';
import type { AlertsState } from '../alerts/state';
import type { MembershipState, PoolHoldUse } from '../membership/state';

/**
 * Snapshots let the shell skip folding a long stream. The format is versioned; a snapshot of
 * another format (or a corrupted one) throws, and the shell must then fold from revision 0.
 * Credits become decimal strings and the idempotency index a list of [key, fingerprint, revision]
 * triples — the compact part that grows with every keyed command.
 */
/**
 * 3 added the holds slice (issue 17); 4 split it: open holds in full, closed holds as
 * [holdId, status, usageId] triples. 5 (issue 17): same shape, but an open hold's `windows` no
 * longer names an instance removed in the millisecond it started (evolve lapses it, holds/RULES.md
 * 1); a state folded by format-4 code may still name it, and count it in a successor with the same
 * startedAt. 6 added the alerts slice (issue 19: alert settings, auto top-up, the outstanding
 * request). 7 added the membership slice (issue 18: organisation, own plan, group, and the pool
 * reservations its usage used or lapsed). A snapshot of another format is refused: the shell must then fold from 0 (it bumps its
 * snapshot version with this one, so it never loads an older one).
 */
export const SNAPSHOT_FORMAT = 7;

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
  readonly alerts: AlertsJson;
  readonly membership: MembershipJson;
}

interface MembershipJson {
  readonly organizationId: string | null;
  readonly ownPlan: string | null;
  readonly group: string | null;
  readonly poolHolds: readonly (readonly [string, PoolHoldUse])[];
}

function membershipJsonOf(m: MembershipState): MembershipJson {
  return {
    organizationId: m.organizationId,
    ownPlan: m.ownPlan,
    group: m.group,
    poolHolds: [...m.poolHolds],
  };
}

function membershipOf(j: MembershipJson): MembershipState {
  return {
    organizationId: j.organizationId,
    ownPlan: j.ownPlan,
    group: j.group,
    poolHolds: AppendOnlyIndex.of<string, PoolHoldUse>(j.poolHolds),
  };
}

/** The alerts slice in a snapshot: the account's and the organisation's (organizations/snapshot.ts). */
export interface AlertsJson {
  readonly creditsBelow: string | null;
  readonly expiringWithinDays: number | null;
  readonly autoTopUp: {
    readonly enabled: boolean;
    readonly belowCredits: string;
    readonly targetCredits: string;
    readonly monthlyLimitCredits: string;
  } | null;
  readonly outstanding: { readonly topUpId: string; readonly credits: string; readonly month: number } | null;
  readonly requested: { readonly month: number; readonly credits: string };
  readonly failuresInARow: number;
  readonly announcedExpiring: readonly string[];
}

export function alertsJsonOf(a: AlertsState): AlertsJson {
  const s = a.autoTopUp;
  const o = a.outstanding;
  return {
    creditsBelow: a.creditsBelow === null ? null : formatCredits(a.creditsBelow),
    expiringWithinDays: a.expiringWithinDays,
    autoTopUp:
      s === null
        ? null
        : {
            enabled: s.enabled,
            belowCredits: formatCredits(s.belowCredits),
            targetCredits: formatCredits(s.targetCredits),
            monthlyLimitCredits: formatCredits(s.monthlyLimitCredits),
          },
    outstanding:
      o === null ? null : { topUpId: o.topUpId, credits: formatCredits(o.credits), month: o.month },
    requested: { month: a.requested.month, credits: formatCredits(a.requested.credits) },
    failuresInARow: a.failuresInARow,
    announcedExpiring: a.announcedExpiring,
  };
}

export function alertsOf(j: AlertsJson): AlertsState {
  const s = j.autoTopUp;
  const o = j.outstanding;
  return {
    creditsBelow: j.creditsBelow === null ? null : creditsFromStored(j.creditsBelow),
    expiringWithinDays: j.expiringWithinDays,
    autoTopUp:
      s === null
        ? null
        : {
            enabled: s.enabled,
            belowCredits: creditsFromStored(s.belowCredits),
            targetCredits: creditsFromStored(s.targetCredits),
            monthlyLimitCredits: creditsFromStored(s.monthlyLimitCredits),
          },
    outstanding:
      o === null ? null : { topUpId: o.topUpId, credits: creditsFromStored(o.credits), month: o.month },
    requested: { month: j.requested.month, credits: creditsFromStored(j.requested.credits) },
    failuresInARow: j.failuresInARow,
    announcedExpiring: Array.isArray(j.announcedExpiring) ? j.announcedExpiring : [],
  };
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
    alerts: alertsJsonOf(state.alerts),
    membership: membershipJsonOf(state.membership),
  };
}

function isSnapshotOfThisFormat(json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return false;
  const s = json as Record<string, unknown>;
  const lists = [s.idempotency, s.holds, s.closedHolds, s.reversals];
  const alerts = typeof s.alerts === 'object' && s.alerts !== null;
  const membership = s.membership as { poolHolds?: unknown } | null | undefined;
  const member = typeof membership === 'object' && membership !== null && Array.isArray(membership.poolHolds);
  return s.format === SNAPSHOT_FORMAT && alerts && member && lists.every((list) => Array.isArray(list));
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
    alerts: alertsOf(s.alerts),
    membership: membershipOf(s.membership),
  };
}
