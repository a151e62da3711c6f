import { createHash } from 'node:crypto';
import {
  creditsFromStored,
  formatCredits,
  msFromStored,
  parseCredits,
  utcMonthOf,
  type AccountEvent,
  type Credits,
  type EpochMs,
  type WindowSnapshot,
} from '@ledger/domain';
import {
  EMPTY_TIMELINE_STATE,
  evolveTimelineState,
  type TimelineGrant,
  type TimelineState,
} from '../timeline/timeline-state';
import type { ThresholdsOf } from './alert-thresholds';

export const NOTIFICATION_KINDS = [
  'window.threshold',
  'credits.low',
  'credits.depleted',
  'credits.expiring',
  'spending_cap.reached',
  'member_limit.reached',
  'hold.expired',
  'topup.requested',
  'topup.failed',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface Notification {
  readonly notificationId: string;
  readonly kind: NotificationKind;
  readonly accountId: string;
  /** The organisation the occasion belongs to (a member's limit, a pool's alert); absent otherwise. */
  readonly organizationId?: string;
  readonly occurredAt: string;
  readonly position: bigint;
  readonly data: Readonly<Record<string, unknown>>;
}

/** What the projection keeps per account to see occasions: a compact account view and the settings. */
export interface AlertWatch {
  readonly account: TimelineState;
  /** Micro-credits as a decimal string, or null (credits.low off; the default). */
  readonly creditsBelow: string | null;
  /** Days ahead for credits.expiring, or null (off). Default 7 (SPEC §8). */
  readonly expiringWithinDays: number | null;
  /** Grants already announced as expiring (each once). */
  readonly expiringNotified: readonly string[];
  /** Position of the last SpendingCapSet: a new cap is a new occasion for spending_cap.reached. */
  readonly capSetAt: string;
}

export const NEW_WATCH: AlertWatch = {
  account: EMPTY_TIMELINE_STATE,
  creditsBelow: null,
  expiringWithinDays: 7,
  expiringNotified: [],
  capSetAt: '0',
};

/**
 * Deterministic id: a hash of an unambiguous encoding (a JSON array) of the kind, the account and
 * what makes the occasion unique — the same log always gives the same ids, and `a:b`+`c` never
 * meets `a`+`b:c`.
 */
export function notificationIdOf(
  kind: NotificationKind,
  accountId: string,
  ...occasion: (string | number)[]
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([kind, accountId, ...occasion]))
    .digest('hex');
  return `ntf_${digest.slice(0, 32)}`;
}

const DAY_MS = 86_400_000;

/** What can be drawn at `now`: grants not closed and not past expiry (held credits are off `remaining`). */
export function drawableAt(account: { readonly grants: readonly TimelineGrant[] }, now: EpochMs): Credits {
  let total = 0n;
  for (const g of account.grants) {
    if (g.closed === true || (g.expiresAt !== null && now >= g.expiresAt)) continue;
    total += creditsFromStored(g.remaining);
  }
  return total;
}

function windowsOf(event: AccountEvent): readonly WindowSnapshot[] {
  return event.type === 'UsageRecorded' || event.type === 'HoldSettled' ? event.data.windows : [];
}

/**
 * Pure: the account's watch after `event`, and the notifications the event is the occasion of.
 * Time is the event's `recordedAt` (the ledger clock), so a replay of the log sees the same times.
 */
export function notificationsOf(
  watch: AlertWatch,
  accountId: string,
  event: AccountEvent,
  position: bigint,
  thresholdsOf: ThresholdsOf,
): { readonly watch: AlertWatch; readonly notifications: readonly Notification[] } {
  const now = msFromStored(event.data.recordedAt);
  const occurredAt = event.data.recordedAt;
  const out: Notification[] = [];
  const notify = (
    kind: NotificationKind,
    occasion: (string | number)[],
    data: Record<string, unknown>,
    organizationId?: string,
  ) =>
    out.push({
      notificationId: notificationIdOf(kind, accountId, ...occasion),
      kind,
      accountId,
      ...(organizationId === undefined ? {} : { organizationId }),
      occurredAt,
      position,
      data,
    });

  const account = evolveTimelineState(watch.account, event);
  let next: AlertWatch = { ...watch, account };
  if (event.type === 'AlertsSet') {
    next = {
      ...next,
      creditsBelow:
        event.data.creditsBelow === null ? null : creditsFromStored(event.data.creditsBelow).toString(),
      expiringWithinDays: event.data.expiringWithinDays,
    };
  }
  if (event.type === 'SpendingCapSet') next = { ...next, capSetAt: position.toString() };

  // credits.low: this event moved the balance from at or above the threshold to below it.
  if (next.creditsBelow !== null) {
    const threshold = BigInt(next.creditsBelow);
    const before = drawableAt(watch.account, now);
    const after = drawableAt(account, now);
    if (before >= threshold && after < threshold) {
      notify('credits.low', [position.toString()], {
        balance: formatCredits(after),
        threshold: formatCredits(threshold),
      });
    }
  }

  // window.threshold: once per window instance (its start) and threshold.
  for (const w of windowsOf(event)) {
    if (w.startedAt === null || w.limit <= 0) continue;
    const usedPercent = Math.floor((w.used * 100) / w.limit);
    for (const thresholdPercent of thresholdsOf(account.plan)) {
      if (usedPercent < thresholdPercent) continue;
      notify('window.threshold', [w.product, w.window, w.startedAt, thresholdPercent], {
        product: w.product,
        window: w.window,
        thresholdPercent,
        usedPercent,
        resetsAt: w.resetsAt,
      });
    }
  }

  switch (event.type) {
    case 'UsageRejected':
    case 'HoldRejected': {
      const d = event.data;
      const id =
        event.type === 'UsageRejected' ? { usageId: event.data.usageId } : { holdId: event.data.holdId };
      if (d.reason === 'insufficient_credits') {
        const organizationId = event.type === 'UsageRejected' ? event.data.organizationId : undefined;
        notify(
          'credits.depleted',
          [position.toString()],
          { ...id, requiredCredits: d.requiredCredits },
          organizationId,
        );
      } else if (d.reason === 'spending_cap_reached') {
        // Once per UTC month and cap: the cap is monthly, and a new cap is a new occasion.
        notify('spending_cap.reached', [utcMonthOf(now), next.capSetAt], {
          ...id,
          creditsPerMonth: account.spendingCap,
          requiredCredits: d.requiredCredits,
        });
      } else if (d.reason === 'member_limit_reached' && event.type === 'UsageRejected') {
        // Once per UTC month, organisation, limit source and limit: the limit is monthly, and a new
        // limit (an override, an approved request, another group) is a new occasion.
        const limitSource = event.data.limitSource ?? null;
        const limit = event.data.limit ?? null;
        notify(
          'member_limit.reached',
          [utcMonthOf(now), event.data.organizationId ?? '', limitSource ?? '', limit ?? ''],
          { ...id, limitSource, limit, requiredCredits: d.requiredCredits },
          event.data.organizationId,
        );
      }
      break;
    }
    case 'HoldExpired':
      notify('hold.expired', [event.data.holdId], {
        holdId: event.data.holdId,
        expiresAt: event.data.expiresAt,
      });
      break;
    case 'TopUpRequested':
      notify('topup.requested', [event.data.topUpId], {
        topUpId: event.data.topUpId,
        credits: event.data.credits,
      });
      break;
    case 'CreditsExpiringSoon': {
      // The scheduler's announcement for an account without traffic: the same occasion (and id) as
      // when the account's own event sees the grant first, so each grant is announced once.
      const notified = new Set(next.expiringNotified);
      for (const g of event.data.grants) {
        if (notified.has(g.grantId)) continue;
        notify('credits.expiring', [g.grantId], { ...g });
        notified.add(g.grantId);
      }
      next = { ...next, expiringNotified: [...notified] };
      break;
    }
    case 'TopUpFailed':
      notify('topup.failed', [event.data.topUpId], {
        topUpId: event.data.topUpId,
        reason: event.data.reason,
        failuresInARow: event.data.failuresInARow,
        autoTopUpTurnedOff: event.data.turnsAutoTopUpOff,
      });
      break;
    default:
      break;
  }

  // credits.expiring: looked at whenever an event of the account arrives (see README.md).
  if (next.expiringWithinDays !== null) {
    const due = expiringGrantsAt(account.grants, next.expiringNotified, now, next.expiringWithinDays);
    for (const g of due) notify('credits.expiring', [g.grantId], { ...g });
    if (due.length > 0) next = { ...next, expiringNotified: notifiedAfter(account.grants, next, due) };
  }
  return { watch: next, notifications: out };
}

/** An expiring grant as `credits.expiring` data names it. */
export interface ExpiringGrantData {
  readonly grantId: string;
  readonly remaining: string;
  readonly expiresAt: string;
}

/**
 * Grants with a remainder expiring in (now, now + withinDays] not announced yet: an account's or an
 * organisation pool's (both kept as timeline grants).
 */
export function expiringGrantsAt(
  grants: readonly TimelineGrant[],
  notified: readonly string[],
  now: EpochMs,
  withinDays: number,
): ExpiringGrantData[] {
  const horizon = now + withinDays * DAY_MS;
  const seen = new Set(notified);
  const due: ExpiringGrantData[] = [];
  for (const g of grants) {
    if (g.closed === true || g.expiresAt === null || seen.has(g.grantId)) continue;
    const remaining = parseCredits(g.remaining, { max: null }) ?? 0n;
    if (remaining <= 0n || g.expiresAt <= now || g.expiresAt > horizon) continue;
    due.push({
      grantId: g.grantId,
      remaining: formatCredits(remaining),
      expiresAt: new Date(g.expiresAt).toISOString(),
    });
  }
  return due;
}

/** The announced ids after `due`, keeping only grants still there (the watch stays as small as the grants). */
export function notifiedAfter(
  grants: readonly TimelineGrant[],
  watch: { readonly expiringNotified: readonly string[] },
  due: readonly ExpiringGrantData[],
): string[] {
  const live = new Set(grants.map((g) => g.grantId));
  return [...watch.expiringNotified, ...due.map((g) => g.grantId)].filter((id) => live.has(id));
}
