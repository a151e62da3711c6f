import type { EventStamp } from '../account/events';

interface Event<T extends string, D> {
  readonly type: T;
  readonly data: Readonly<D>;
}

/** On an account's stream (EventStamp) or an organisation's (its stamp: the pool's alerts). */
export type AlertsSet<Stamp extends object = EventStamp> = Event<
  'AlertsSet',
  Stamp & { creditsBelow: string | null; expiringWithinDays: number | null }
>;

export type AutoTopUpSet<Stamp extends object = EventStamp> = Event<
  'AutoTopUpSet',
  Stamp & {
    enabled: boolean;
    belowCredits: string;
    targetCredits: string;
    monthlyLimitCredits: string;
  }
>;

/**
 * Appended with the command that left the balance below `belowCredits` (same append). `credits`
 * reaches the target, capped by what is left of the monthly limit; `requestedThisMonth` counts this
 * request (requests that failed are not counted: nothing was bought).
 */
export type TopUpRequested<Stamp extends object = EventStamp> = Event<
  'TopUpRequested',
  Stamp & {
    topUpId: string;
    credits: string;
    balance: string;
    belowCredits: string;
    targetCredits: string;
    monthlyLimitCredits: string;
    requestedThisMonth: string;
  }
>;

export type TopUpFailed<Stamp extends object = EventStamp> = Event<
  'TopUpFailed',
  Stamp & {
    topUpId: string;
    fingerprint: string;
    reason: string;
    credits: string;
    failuresInARow: number;
    /** This failure turned auto top-up off (an AutoTopUpDisabled follows it in the same append). */
    turnsAutoTopUpOff: boolean;
  }
>;

/** Three failures in a row: auto top-up turned itself off (appended with the third TopUpFailed). */
export type AutoTopUpDisabled<Stamp extends object = EventStamp> = Event<
  'AutoTopUpDisabled',
  Stamp & { reason: 'failures_in_a_row'; failuresInARow: number }
>;

/** A grant whose remainder expires within the account's horizon, announced once (`credits.expiring`). */
export interface ExpiringGrant {
  readonly grantId: string;
  readonly remaining: string;
  readonly expiresAt: string;
}

/** The scheduler's AnnounceExpiringCredits found grants not announced yet (each grant once). */
export type CreditsExpiringSoon = Event<
  'CreditsExpiringSoon',
  EventStamp & { withinDays: number; grants: readonly ExpiringGrant[] }
>;

/** The alerts events an organisation's stream carries (the pool's alerts and auto top-up). */
export type PoolAlertsEvent<Stamp extends object> =
  | AlertsSet<Stamp>
  | AutoTopUpSet<Stamp>
  | TopUpRequested<Stamp>
  | TopUpFailed<Stamp>
  | AutoTopUpDisabled<Stamp>;

export type AlertsEvent =
  AlertsSet | AutoTopUpSet | TopUpRequested | TopUpFailed | AutoTopUpDisabled | CreditsExpiringSoon;

export const ALERTS_EVENT_TYPES = [
  'AlertsSet',
  'AutoTopUpSet',
  'TopUpRequested',
  'TopUpFailed',
  'AutoTopUpDisabled',
  'CreditsExpiringSoon',
] as const satisfies readonly AlertsEvent['type'][];

/**
 * Events that follow a command's own outcome in the same append (they are its consequence, not its
 * answer): the shell answers from the last event that is not one of these.
 */
export function isConsequenceEvent(event: { readonly type: string }): boolean {
  return event.type === 'TopUpRequested';
}
