import { creditsFromStored, formatCredits, msFromStored, type OrganizationEvent } from '@ledger/domain';
import { EMPTY_ORG_TIMELINE_STATE, evolveOrgTimelineState } from '../timeline/org-timeline-state';
import type { TimelineGrant } from '../timeline/timeline-state';
import {
  drawableAt,
  expiringGrantsAt,
  notificationIdOf,
  notifiedAfter,
  type Notification,
  type NotificationKind,
} from './notification-occasions';

/** What the projection keeps per organisation: the pool's grants and the grants announced as expiring. */
export interface OrgAlertWatch {
  readonly grants: readonly TimelineGrant[];
  /** Micro-credits as a decimal string, or null (credits.low off; the default). */
  readonly creditsBelow: string | null;
  /** Days ahead for credits.expiring of pool grants, or null (off). Default 7 (SPEC §8). */
  readonly expiringWithinDays: number | null;
  readonly expiringNotified: readonly string[];
}

export const NEW_ORG_WATCH: OrgAlertWatch = {
  grants: [],
  creditsBelow: null,
  expiringWithinDays: 7,
  expiringNotified: [],
};

/**
 * Pure: the organisation's watch after `event` and the notifications the event is the occasion of.
 * A pool notification's `accountId` is the organisation (the stream that owns the pool; the
 * dispatcher's lane, so deliveries stay in order per organisation), and `organizationId` says so.
 */
export function orgNotificationsOf(
  watch: OrgAlertWatch,
  organizationId: string,
  event: OrganizationEvent,
  position: bigint,
): { readonly watch: OrgAlertWatch; readonly notifications: readonly Notification[] } {
  const now = msFromStored(event.data.recordedAt);
  const out: Notification[] = [];
  const notify = (kind: NotificationKind, occasion: (string | number)[], data: Record<string, unknown>) =>
    out.push({
      // 'organization' in the id: an account with the organisation's id never shares an occasion.
      notificationId: notificationIdOf(kind, organizationId, 'organization', ...occasion),
      kind,
      accountId: organizationId,
      organizationId,
      occurredAt: event.data.recordedAt,
      position,
      data,
    });
  const grants = evolveOrgTimelineState({ ...EMPTY_ORG_TIMELINE_STATE, grants: watch.grants }, event).grants;
  let next: OrgAlertWatch = grants === watch.grants ? watch : { ...watch, grants };
  if (event.type === 'AlertsSet') {
    next = {
      ...next,
      creditsBelow:
        event.data.creditsBelow === null ? null : creditsFromStored(event.data.creditsBelow).toString(),
      expiringWithinDays: event.data.expiringWithinDays,
    };
  }

  // credits.low: this event moved the pool's drawable balance (reserved credits excluded) from at
  // or above the threshold to below it — a reservation is the crossing, its settlement is not another.
  if (next.creditsBelow !== null) {
    const threshold = BigInt(next.creditsBelow);
    const before = drawableAt(watch, now);
    const after = drawableAt({ grants }, now);
    if (before >= threshold && after < threshold) {
      notify('credits.low', [position.toString()], {
        balance: formatCredits(after),
        threshold: formatCredits(threshold),
      });
    }
  }

  // credits.depleted: the pool refused a member's reservation for lack of credits (each refusal).
  if (event.type === 'MemberSpendRejected' && event.data.reason === 'insufficient_credits') {
    notify('credits.depleted', [position.toString()], {
      memberAccountId: event.data.accountId,
      usageId: event.data.usageId,
      holdId: event.data.holdId,
      requiredCredits: event.data.requiredCredits,
      balance: formatCredits(drawableAt({ grants }, now)),
    });
  }

  // The pool's auto top-up: each request and each failure once (per topUpId), as the account's.
  if (event.type === 'TopUpRequested') {
    notify('topup.requested', [event.data.topUpId], {
      topUpId: event.data.topUpId,
      credits: event.data.credits,
    });
  } else if (event.type === 'TopUpFailed') {
    notify('topup.failed', [event.data.topUpId], {
      topUpId: event.data.topUpId,
      reason: event.data.reason,
      failuresInARow: event.data.failuresInARow,
      autoTopUpTurnedOff: event.data.turnsAutoTopUpOff,
    });
  }

  // credits.expiring: pool grants, looked at whenever an event of the organisation arrives.
  if (next.expiringWithinDays !== null) {
    const due = expiringGrantsAt(grants, next.expiringNotified, now, next.expiringWithinDays);
    for (const g of due) notify('credits.expiring', [g.grantId], { ...g });
    if (due.length > 0) next = { ...next, expiringNotified: notifiedAfter(grants, next, due) };
  }
  return { watch: next, notifications: out };
}
