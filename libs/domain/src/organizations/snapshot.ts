import { alertsJsonOf, alertsOf, type AlertsJson } from '../account/snapshot';
import { AppendOnlyIndex } from '../append-only-index';
import { BucketedMap } from './bucketed-map';
import type { GrantState } from '../account/state';
import { creditsFromStored, formatCredits, type Credits } from '../credits';
import type { IdempotencyEntry } from '../idempotency';
import type {
  ClosedReservation,
  CreditRequestState,
  MemberState,
  OrganizationState,
  ReservationState,
} from './state';

/**
 * Organisation snapshots, like the account's: versioned JSON (credits as decimal strings); one of
 * another format throws, and the shell then folds the stream from revision 0.
 */
/** 2 added the alerts slice (the pool's alerts). */
export const ORGANIZATION_SNAPSHOT_FORMAT = 2;

type GrantJson = Omit<GrantState, 'credits' | 'remaining'> & { credits: string; remaining: string };
type ReservationJson = Omit<ReservationState, 'credits' | 'allocations'> & {
  credits: string;
  allocations: readonly { grantId: string; credits: string }[];
};
type RequestJson = Omit<CreditRequestState, 'credits'> & { credits: string };

export interface OrganizationSnapshot {
  readonly format: typeof ORGANIZATION_SNAPSHOT_FORMAT;
  readonly version: number;
  readonly organizationId: string | null;
  readonly plan: string | null;
  readonly name: string | null;
  readonly members: readonly MemberState[];
  readonly grants: readonly GrantJson[];
  readonly limits: {
    readonly default: string | null;
    readonly groups: readonly (readonly [string, string])[];
    readonly members: readonly (readonly [string, string])[];
  };
  readonly monthOverrides: readonly (readonly [string, number, string])[];
  readonly requests: readonly RequestJson[];
  readonly reservations: readonly ReservationJson[];
  readonly closedReservations: readonly (readonly [string, ClosedReservation['status'], string, string])[];
  readonly memberSpend: readonly (readonly [string, number, string])[];
  readonly idempotency: readonly (readonly [string, string, number])[];
  readonly alerts: AlertsJson;
}

const creditsPairs = (map: ReadonlyMap<string, Credits>) =>
  [...map].map(([key, c]) => [key, formatCredits(c)] as const);

export function organizationSnapshotOf(state: OrganizationState): OrganizationSnapshot {
  return {
    format: ORGANIZATION_SNAPSHOT_FORMAT,
    version: state.version,
    organizationId: state.organizationId,
    plan: state.plan,
    name: state.name,
    members: [...state.members.values()],
    grants: state.grants.map((g) => ({
      ...g,
      credits: formatCredits(g.credits),
      remaining: formatCredits(g.remaining),
    })),
    limits: {
      default: state.limits.default === null ? null : formatCredits(state.limits.default),
      groups: creditsPairs(state.limits.groups),
      members: creditsPairs(state.limits.members),
    },
    monthOverrides: [...state.monthOverrides].map(
      ([id, o]) => [id, o.month, formatCredits(o.credits)] as const,
    ),
    requests: [...state.requests.values()].map((r) => ({ ...r, credits: formatCredits(r.credits) })),
    reservations: [...state.reservations.values()].map((r) => ({
      ...r,
      credits: formatCredits(r.credits),
      allocations: r.allocations.map((a) => ({ grantId: a.grantId, credits: formatCredits(a.credits) })),
    })),
    closedReservations: [...state.closedReservations].map(
      ([holdId, c]) => [holdId, c.status, c.accountId, c.usageId] as const,
    ),
    memberSpend: [...state.memberSpend].map(([id, s]) => [id, s.month, formatCredits(s.settled)] as const),
    idempotency: [...state.idempotency].map(([key, e]) => [key, e.fingerprint, e.revision] as const),
    alerts: alertsJsonOf(state.alerts),
  };
}

function isOrganizationSnapshot(json: unknown): json is OrganizationSnapshot {
  if (typeof json !== 'object' || json === null) return false;
  const s = json as Record<string, unknown>;
  const lists = [
    s.members,
    s.grants,
    s.monthOverrides,
    s.requests,
    s.reservations,
    s.closedReservations,
    s.memberSpend,
    s.idempotency,
  ];
  return (
    s.format === ORGANIZATION_SNAPSHOT_FORMAT &&
    typeof s.limits === 'object' &&
    typeof s.alerts === 'object' &&
    s.alerts !== null &&
    lists.every(Array.isArray)
  );
}

export function organizationStateFromSnapshot(json: unknown): OrganizationState {
  if (!isOrganizationSnapshot(json)) {
    throw new RangeError(
      `not an organization snapshot of format ${ORGANIZATION_SNAPSHOT_FORMAT}: fold the stream from revision 0`,
    );
  }
  const s = json;
  const creditsMap = (pairs: readonly (readonly [string, string])[]) =>
    new Map(pairs.map(([key, c]) => [key, creditsFromStored(c)]));
  return {
    version: s.version,
    organizationId: s.organizationId,
    plan: s.plan,
    name: s.name,
    members: new Map(s.members.map((m) => [m.accountId, { accountId: m.accountId, group: m.group }])),
    grants: s.grants.map((g) => ({
      ...g,
      credits: creditsFromStored(g.credits),
      remaining: creditsFromStored(g.remaining),
    })),
    limits: {
      default: s.limits.default === null ? null : creditsFromStored(s.limits.default),
      groups: creditsMap(s.limits.groups),
      members: creditsMap(s.limits.members),
    },
    monthOverrides: new Map(
      s.monthOverrides.map(([id, month, c]) => [id, { month, credits: creditsFromStored(c) }]),
    ),
    requests: new Map(s.requests.map((r) => [r.requestId, { ...r, credits: creditsFromStored(r.credits) }])),
    reservations: new Map(
      s.reservations.map((r) => [
        r.holdId,
        {
          ...r,
          credits: creditsFromStored(r.credits),
          allocations: r.allocations.map((a) => ({
            grantId: a.grantId,
            credits: creditsFromStored(a.credits),
          })),
        },
      ]),
    ),
    closedReservations: AppendOnlyIndex.of<string, ClosedReservation>(
      s.closedReservations.map(([holdId, status, accountId, usageId]) => [
        holdId,
        { status, accountId, usageId },
      ]),
    ),
    memberSpend: BucketedMap.of(
      s.memberSpend.map(([id, month, c]) => [id, { month, settled: creditsFromStored(c) }] as const),
    ),
    idempotency: AppendOnlyIndex.of<string, IdempotencyEntry>(
      s.idempotency.map(([key, fingerprint, revision]) => [key, { fingerprint, revision }]),
    ),
    alerts: alertsOf(s.alerts),
  };
}
