import { formatCredits, minCredits, parseCredits, type Credits } from '../credits';
import { conflict, invalid, type DomainError } from '../errors';
import { idempotencyKeys } from '../idempotency';
import { isoOf, type EpochMs } from '../time';
import type { EventStamp } from '../account/events';
import { events, failure, repeatOf, stamped, type Decision, type DecisionContext } from '../account/decision';
import type { AccountState, GrantState } from '../account/state';
import { checkId, checkIntegerRange, checkText, type Faults } from '../account/validate';
import type {
  AlertsCommand,
  AnnounceExpiringCredits,
  RecordTopUpFailure,
  SetAlerts,
  SetAutoTopUp,
} from './commands';
import type { AutoTopUpDisabled, TopUpFailed, TopUpRequested } from './events';
import {
  drawableBalance,
  FAILURES_BEFORE_AUTO_TOP_UP_OFF,
  requestedInMonth,
  type AlertsState,
} from './state';

/** `expiringWithinDays` bound: a year ahead is the furthest an alert looks. */
export const MAX_EXPIRING_WITHIN_DAYS = 365;

/** The alerts module's entry point, dispatched from the account decider (after lazy expiry). */
export function decideAlertsCommand(
  command: AlertsCommand,
  state: AccountState,
  context: DecisionContext,
): Decision {
  switch (command.type) {
    case 'SetAlerts':
      return decideSetAlerts(command, state, context);
    case 'SetAutoTopUp':
      return decideSetAutoTopUp(command, state, context);
    case 'RecordTopUpFailure':
      return decideRecordTopUpFailure(command, state, context);
    case 'AnnounceExpiringCredits':
      return decideAnnounceExpiringCredits(command, state, context);
  }
}

const DAY_MS = 86_400_000;

/**
 * The grants with a remainder expiring in (now, now + expiringWithinDays], not announced yet,
 * soonest first. Nothing to announce (or the alert off) appends nothing.
 */
function decideAnnounceExpiringCredits(
  command: AnnounceExpiringCredits,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const withinDays = state.alerts.expiringWithinDays;
  if (withinDays === null) return events();
  const now = command.metadata.now;
  const horizon = now + withinDays * DAY_MS;
  const announced = new Set(state.alerts.announcedExpiring);
  const due = state.grants
    .filter(
      (g) =>
        g.status === 'open' &&
        g.remaining > 0n &&
        g.expiresAt !== null &&
        g.expiresAt > now &&
        g.expiresAt <= horizon &&
        !announced.has(g.grantId),
    )
    .sort((a, b) => (a.expiresAt as number) - (b.expiresAt as number) || (a.grantId < b.grantId ? -1 : 1));
  if (due.length === 0) return events();
  return events({
    type: 'CreditsExpiringSoon',
    data: stamped(command.data.accountId, command.metadata, context, {
      withinDays,
      grants: due.map((g) => ({
        grantId: g.grantId,
        remaining: formatCredits(g.remaining),
        expiresAt: isoOf(g.expiresAt as number),
      })),
    }),
  });
}

export function isAlertsCommand(command: { readonly type: string }): command is AlertsCommand {
  return (
    command.type === 'SetAlerts' ||
    command.type === 'SetAutoTopUp' ||
    command.type === 'RecordTopUpFailure' ||
    command.type === 'AnnounceExpiringCredits'
  );
}

const DECIMAL_MESSAGE = 'must be a decimal string ≤ 1000000000 with at most 6 fractional digits';

function checkCredits(faults: Faults, field: string, value: unknown, allowZero: boolean): Credits {
  const credits = typeof value === 'string' ? parseCredits(value, { allowZero }) : null;
  if (credits === null) {
    faults.push({
      field,
      message: allowZero ? DECIMAL_MESSAGE : `must be positive and ${DECIMAL_MESSAGE.slice(5)}`,
    });
  }
  return credits ?? 0n;
}

/**
 * What a SetAlerts calls for on a stream whose alerts slice is `alerts` (an account's or an
 * organisation's): the AlertsSet fields, null when the settings are already these (idempotent by
 * value), or the faults.
 */
export function alertsSetFields(
  data: { readonly creditsBelow: string | null; readonly expiringWithinDays: number | null },
  alerts: AlertsState,
): { readonly faults: Faults } | { readonly fields: AlertsSetFields } | null {
  const faults: Faults = [];
  const below =
    data.creditsBelow === null ? null : checkCredits(faults, 'creditsBelow', data.creditsBelow, true);
  if (data.expiringWithinDays !== null) {
    checkIntegerRange(faults, 'expiringWithinDays', data.expiringWithinDays, 1, MAX_EXPIRING_WITHIN_DAYS);
  }
  if (faults.length > 0) return { faults };
  if (below === alerts.creditsBelow && data.expiringWithinDays === alerts.expiringWithinDays) return null;
  return {
    fields: {
      creditsBelow: below === null ? null : formatCredits(below),
      expiringWithinDays: data.expiringWithinDays,
    },
  };
}

export interface AlertsSetFields {
  readonly creditsBelow: string | null;
  readonly expiringWithinDays: number | null;
}

/** Idempotent by value: the settings it already has append nothing. */
function decideSetAlerts(command: SetAlerts, state: AccountState, context: DecisionContext): Decision {
  const { data, metadata } = command;
  const set = alertsSetFields(data, state.alerts);
  if (set === null) return events();
  if ('faults' in set) return failure(invalid(set.faults));
  return events({ type: 'AlertsSet', data: stamped(data.accountId, metadata, context, set.fields) });
}

export interface AutoTopUpSetFields {
  readonly enabled: boolean;
  readonly belowCredits: string;
  readonly targetCredits: string;
  readonly monthlyLimitCredits: string;
}

/**
 * What a SetAutoTopUp calls for on a stream whose alerts slice is `alerts`: the AutoTopUpSet fields,
 * null when the setting is already this one (idempotent by value), or the faults. The target must be
 * above the threshold, or a top-up would leave the balance below it.
 */
export function autoTopUpSetFields(
  data: {
    readonly enabled: boolean;
    readonly belowCredits: string;
    readonly targetCredits: string;
    readonly monthlyLimitCredits: string;
  },
  alerts: AlertsState,
): { readonly faults: Faults } | { readonly fields: AutoTopUpSetFields } | null {
  const faults: Faults = [];
  if (typeof data.enabled !== 'boolean') faults.push({ field: 'enabled', message: 'must be a boolean' });
  const below = checkCredits(faults, 'belowCredits', data.belowCredits, true);
  const target = checkCredits(faults, 'targetCredits', data.targetCredits, false);
  const limit = checkCredits(faults, 'monthlyLimitCredits', data.monthlyLimitCredits, false);
  if (faults.length === 0 && target <= below) {
    faults.push({ field: 'targetCredits', message: 'must be greater than belowCredits' });
  }
  if (faults.length > 0) return { faults };
  const s = alerts.autoTopUp;
  if (
    s !== null &&
    s.enabled === data.enabled &&
    s.belowCredits === below &&
    s.targetCredits === target &&
    s.monthlyLimitCredits === limit
  ) {
    return null;
  }
  return {
    fields: {
      enabled: data.enabled,
      belowCredits: formatCredits(below),
      targetCredits: formatCredits(target),
      monthlyLimitCredits: formatCredits(limit),
    },
  };
}

/** Idempotent by value. */
function decideSetAutoTopUp(command: SetAutoTopUp, state: AccountState, context: DecisionContext): Decision {
  const { data, metadata } = command;
  const set = autoTopUpSetFields(data, state.alerts);
  if (set === null) return events();
  if ('faults' in set) return failure(invalid(set.faults));
  return events({ type: 'AutoTopUpSet', data: stamped(data.accountId, metadata, context, set.fields) });
}

/** The facts of a reported failure: TopUpFailed's fields, and AutoTopUpDisabled's when it turns it off. */
export interface TopUpFailureFacts {
  readonly failed: {
    readonly topUpId: string;
    readonly fingerprint: string;
    readonly reason: string;
    readonly credits: string;
    readonly failuresInARow: number;
    readonly turnsAutoTopUpOff: boolean;
  };
  readonly off: { readonly reason: 'failures_in_a_row'; readonly failuresInARow: number } | null;
}

/**
 * Only the outstanding request can fail; the third failure in a row turns auto top-up off. For any
 * stream with an alerts slice (the caller checked idempotency on `topupfailure:<id>` first).
 */
export function topUpFailureFacts(
  data: { readonly topUpId: string; readonly reason: string },
  fingerprint: string,
  alerts: AlertsState,
): { readonly error: DomainError } | TopUpFailureFacts {
  const faults: Faults = [];
  checkId(faults, 'topUpId', data.topUpId);
  checkText(faults, 'reason', data.reason, 500);
  if (faults.length > 0) return { error: invalid(faults) };
  const outstanding = alerts.outstanding;
  if (outstanding === null || outstanding.topUpId !== data.topUpId) {
    return {
      error: conflict(
        `top-up "${data.topUpId}" is not outstanding` +
          (outstanding === null
            ? ' (no request is open)'
            : ` (the open request is "${outstanding.topUpId}")`),
      ),
    };
  }
  const failuresInARow = alerts.failuresInARow + 1;
  const enabled = alerts.autoTopUp?.enabled === true;
  const turnsOff = enabled && failuresInARow >= FAILURES_BEFORE_AUTO_TOP_UP_OFF;
  return {
    failed: {
      topUpId: data.topUpId,
      fingerprint,
      reason: data.reason,
      credits: formatCredits(outstanding.credits),
      failuresInARow,
      turnsAutoTopUpOff: turnsOff,
    },
    off: turnsOff ? { reason: 'failures_in_a_row' as const, failuresInARow } : null,
  };
}

function decideRecordTopUpFailure(
  command: RecordTopUpFailure,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const repeat = repeatOf(
    state.idempotency,
    idempotencyKeys.topUpFailure(data.topUpId),
    metadata.fingerprint,
  );
  if (repeat !== null) return repeat;
  const facts = topUpFailureFacts(data, metadata.fingerprint, state.alerts);
  if ('error' in facts) return failure(facts.error);
  const failed: TopUpFailed = {
    type: 'TopUpFailed',
    data: stamped(data.accountId, metadata, context, facts.failed),
  };
  if (facts.off === null) return events(failed);
  const off: AutoTopUpDisabled = {
    type: 'AutoTopUpDisabled',
    data: stamped(data.accountId, metadata, context, facts.off),
  };
  return events(failed, off);
}

/**
 * The TopUpRequested that a command's events call for, or null: auto top-up is on, no request is
 * outstanding, the balance after those events is below `belowCredits`, and the monthly limit has
 * credits left. `after` is the state with the command's events folded; `topUpId` is derived from the
 * revision the request will have (deterministic, unique in the stream).
 */
export function topUpRequestAfter<Stamp extends object = EventStamp>(
  after: AlertsStream,
  now: EpochMs,
  stamp: Stamp,
): TopUpRequested<Stamp> | null {
  const a = after.alerts;
  const setting = a.autoTopUp;
  if (setting === null || !setting.enabled || a.outstanding !== null) return null;
  const balance = drawableBalance(after.grants, now);
  if (balance >= setting.belowCredits) return null;
  const used = requestedInMonth(a, now);
  const left = setting.monthlyLimitCredits - used;
  const credits = minCredits(setting.targetCredits - balance, left);
  if (credits <= 0n) return null;
  return {
    type: 'TopUpRequested',
    data: Object.assign(
      { ...stamp },
      {
        topUpId: topUpIdAt(after.version),
        credits: formatCredits(credits),
        balance: formatCredits(balance),
        belowCredits: formatCredits(setting.belowCredits),
        targetCredits: formatCredits(setting.targetCredits),
        monthlyLimitCredits: formatCredits(setting.monthlyLimitCredits),
        requestedThisMonth: formatCredits(used + credits),
      },
    ),
  };
}

/** What auto top-up reads of a stream's state after a command: an account's or an organisation's. */
export interface AlertsStream {
  readonly alerts: AlertsState;
  readonly grants: readonly GrantState[];
  /** Events folded = the revision the request will have. */
  readonly version: number;
}

/** `topup-<revision>`: the stream revision of the request's own event. */
export function topUpIdAt(revision: number): string {
  return `topup-${revision}`;
}

/** True when a command's events may call for a top-up (not a failure report: the next command asks again). */
export function mayRequestTopUp(
  command: { readonly type: string },
  state: { readonly alerts: AlertsState },
  appended: readonly unknown[],
): boolean {
  return (
    appended.length > 0 &&
    command.type !== 'RecordTopUpFailure' &&
    command.type !== 'RecordOrgTopUpFailure' &&
    (state.alerts.autoTopUp?.enabled === true ||
      command.type === 'SetAutoTopUp' ||
      command.type === 'SetOrgAutoTopUp')
  );
}
