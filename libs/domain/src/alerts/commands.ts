import type { CommandMetadata } from '../account/commands';

interface Command<T extends string, D> {
  readonly type: T;
  readonly data: Readonly<D>;
  readonly metadata: CommandMetadata;
}

/** Idempotent by value. `creditsBelow` null turns `credits.low` off; `expiringWithinDays` null turns `credits.expiring` off. */
export type SetAlerts = Command<
  'SetAlerts',
  { accountId: string; creditsBelow: string | null; expiringWithinDays: number | null }
>;

/** Idempotent by value. Enabling again (after three failures turned it off) starts the failure count afresh. */
export type SetAutoTopUp = Command<
  'SetAutoTopUp',
  {
    accountId: string;
    enabled: boolean;
    belowCredits: string;
    targetCredits: string;
    monthlyLimitCredits: string;
  }
>;

/** The payment side could not fulfil the outstanding request `topUpId`. Idempotent on topUpId. */
export type RecordTopUpFailure = Command<
  'RecordTopUpFailure',
  { accountId: string; topUpId: string; reason: string }
>;

/**
 * Issued by the expiry scheduler (no caller id): announces, once each, the grants whose remainder
 * expires within the account's `expiringWithinDays`, so an account with no traffic is told too.
 */
export type AnnounceExpiringCredits = Command<'AnnounceExpiringCredits', { accountId: string }>;

export type AlertsCommand = SetAlerts | SetAutoTopUp | RecordTopUpFailure | AnnounceExpiringCredits;
