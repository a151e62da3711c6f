import { creditsFromStored, type Credits } from '../credits';
import { isExpired } from '../expiry';
import { msFromStored, utcMonthOf, type EpochMs } from '../time';
import type { GrantState } from '../account/state';
import type { AlertsEvent, PoolAlertsEvent } from './events';

export interface AutoTopUpSetting {
  readonly enabled: boolean;
  readonly belowCredits: Credits;
  readonly targetCredits: Credits;
  readonly monthlyLimitCredits: Credits;
}

export interface OutstandingTopUp {
  readonly topUpId: string;
  readonly credits: Credits;
  /** UTC month (months since year 0) of the request: a failure gives its credits back to that month only. */
  readonly month: number;
}

/** The account's alert settings and auto top-up: a fixed-size slice (it never grows per decision). */
export interface AlertsState {
  readonly creditsBelow: Credits | null;
  readonly expiringWithinDays: number | null;
  readonly autoTopUp: AutoTopUpSetting | null;
  /** One request at a time: the next one waits until this one is fulfilled or has failed. */
  readonly outstanding: OutstandingTopUp | null;
  /** Credits requested in `month` by requests not failed (outstanding or fulfilled): the monthly limit's count. */
  readonly requested: { readonly month: number; readonly credits: Credits };
  readonly failuresInARow: number;
  /**
   * Grants announced as expiring (CreditsExpiringSoon), each once; only grants still open are kept,
   * so the slice stays as small as the account's live grants.
   */
  readonly announcedExpiring: readonly string[];
}

/** `credits.expiring` looks this many days ahead until the account sets otherwise (SPEC §8). */
export const DEFAULT_EXPIRING_WITHIN_DAYS = 7;
/** Auto top-up turns itself off after this many failures in a row (SPEC §8). */
export const FAILURES_BEFORE_AUTO_TOP_UP_OFF = 3;

export function noAlerts(): AlertsState {
  return {
    creditsBelow: null,
    expiringWithinDays: DEFAULT_EXPIRING_WITHIN_DAYS,
    autoTopUp: null,
    outstanding: null,
    requested: { month: 0, credits: 0n },
    failuresInARow: 0,
    announcedExpiring: [],
  };
}

/** What can still be drawn now: open grants not past expiry (held credits are already off `remaining`). */
export function drawableBalance(grants: readonly GrantState[], now: EpochMs): Credits {
  let total = 0n;
  for (const g of grants) if (g.status === 'open' && !isExpired(g, now)) total += g.remaining;
  return total;
}

/** Credits counted against the monthly limit in the UTC month of `now`. */
export function requestedInMonth(alerts: AlertsState, now: EpochMs): Credits {
  return alerts.requested.month === utcMonthOf(now) ? alerts.requested.credits : 0n;
}

export interface AlertsDraft {
  alerts: AlertsState;
  readonly grants: readonly GrantState[];
}

/** An account's alerts events, or an organisation's (its own stamp). */
export function applyAlertsEvent(
  draft: AlertsDraft,
  event: AlertsEvent | PoolAlertsEvent<{ readonly recordedAt: string }>,
): void {
  const a = draft.alerts;
  switch (event.type) {
    case 'AlertsSet':
      draft.alerts = {
        ...a,
        creditsBelow: event.data.creditsBelow === null ? null : creditsFromStored(event.data.creditsBelow),
        expiringWithinDays: event.data.expiringWithinDays,
      };
      return;
    case 'AutoTopUpSet': {
      const d = event.data;
      draft.alerts = {
        ...a,
        autoTopUp: {
          enabled: d.enabled,
          belowCredits: creditsFromStored(d.belowCredits),
          targetCredits: creditsFromStored(d.targetCredits),
          monthlyLimitCredits: creditsFromStored(d.monthlyLimitCredits),
        },
        failuresInARow: d.enabled ? 0 : a.failuresInARow,
      };
      return;
    }
    case 'TopUpRequested': {
      const month = utcMonthOf(msFromStored(event.data.recordedAt));
      const credits = creditsFromStored(event.data.credits);
      const before = a.requested.month === month ? a.requested.credits : 0n;
      draft.alerts = {
        ...a,
        outstanding: { topUpId: event.data.topUpId, credits, month },
        requested: { month, credits: before + credits },
      };
      return;
    }
    case 'TopUpFailed': {
      const o = a.outstanding;
      const givesBack = o !== null && o.month === a.requested.month ? o.credits : 0n;
      draft.alerts = {
        ...a,
        outstanding: null,
        requested: { month: a.requested.month, credits: a.requested.credits - givesBack },
        failuresInARow: event.data.failuresInARow,
      };
      return;
    }
    case 'AutoTopUpDisabled':
      draft.alerts = {
        ...a,
        autoTopUp: a.autoTopUp === null ? null : { ...a.autoTopUp, enabled: false },
      };
      return;
    case 'CreditsExpiringSoon': {
      const open = new Set(draft.grants.filter((g) => g.status === 'open').map((g) => g.grantId));
      const kept = a.announcedExpiring.filter((grantId) => open.has(grantId));
      draft.alerts = {
        ...a,
        announcedExpiring: [...kept, ...event.data.grants.map((g) => g.grantId)],
      };
      return;
    }
  }
}

/** A purchase whose purchaseId is the outstanding topUpId fulfils it: the next request may come. */
export function closeTopUpBy(draft: AlertsDraft, purchaseId: string): void {
  const a = draft.alerts;
  if (a.outstanding === null || a.outstanding.topUpId !== purchaseId) return;
  draft.alerts = { ...a, outstanding: null, failuresInARow: 0 };
}
