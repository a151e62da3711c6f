import { checkCreditsAmount, checkId, checkInstant, checkText, type Faults } from '../account/validate';
import { formatCredits, parseCredits, type Credits } from '../credits';
import { conflict, conflictBecause, invalid, notFound } from '../errors';
import { isValidId } from '../ids';
import { productChoices, productOf } from '../rate-card';
import { isoOf } from '../time';
import {
  organizationKeys,
  type ExpireMemberSpend,
  type ReleaseMemberSpend,
  type ReserveMemberSpend,
  type SettleMemberSpend,
} from './commands';
import {
  orgEvents,
  orgFailure,
  orgRepeatOf,
  orgStamped,
  type OrganizationDecision,
  type OrganizationDecisionContext,
} from './decision';
import type { PoolRejectionReason } from './events';
import { effectiveLimit, memberSpentThisMonth } from './limits';
import { monthKeyOf, monthKeyOfNumber } from './month';
import { allocatePool, allocationsJson, poolBalance, poolReturnOf, splitReserved } from './pool';
import {
  adjusted,
  type HeldPoolCredits,
  reservationStatusOf,
  reservedCredits,
  type OrganizationState,
  type ReservationState,
} from './state';

/** A pool hold id is made by the shell from two caller ids (memberUsageHoldId), so it may be longer than one id. */
export const MAX_POOL_HOLD_ID_LENGTH = 300;

function checkHoldId(faults: Faults, value: unknown): void {
  const ok =
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_POOL_HOLD_ID_LENGTH &&
    isValidId(value.slice(0, 128)) &&
    /^[A-Za-z0-9._:-]+$/.test(value);
  if (!ok)
    faults.push({
      field: 'holdId',
      message: `must be 1–${MAX_POOL_HOLD_ID_LENGTH} chars of [A-Za-z0-9._:-]`,
    });
}

/**
 * The pool's balance and held credits after an event that moves `moved` credits between the grants
 * and the reservations (sign −1: reserved, +1: given back), worked out without folding the event:
 * a trial fold would branch the state's append-only indexes and copy them on every decision.
 */
function poolAfter(
  state: OrganizationState,
  now: number,
  moved: readonly HeldPoolCredits[],
  sign: 1n | -1n,
  heldChange: Credits,
): { balanceAfter: string; heldAfter: string } {
  return {
    balanceAfter: formatCredits(poolBalance(adjusted(state.grants, moved, sign), now)),
    heldAfter: formatCredits(reservedCredits(state) + heldChange),
  };
}

/**
 * Checked atomically on the pool's stream (SPEC §7): the member's spend this UTC month (settled +
 * open reservations) plus these credits must stay within its effective limit, and the pool's
 * unreserved credits for the product must cover them. Limit first (buying won't help), then credits.
 */
export function decideReserveMemberSpend(
  command: ReserveMemberSpend,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const repeat = reservationRepeat(state, data.holdId, data.accountId, data.usageId);
  if (repeat !== null) return repeat;
  const now = metadata.now;
  const faults: Faults = [];
  checkHoldId(faults, data.holdId);
  checkId(faults, 'accountId', data.accountId);
  checkId(faults, 'usageId', data.usageId);
  if (typeof data.product !== 'string' || productOf(context.rateCard, data.product) === undefined) {
    faults.push({ field: 'product', message: productChoices(context.rateCard) });
  }
  const credits = checkCreditsAmount(faults, 'credits', data.credits);
  const expiresAt = checkInstant(faults, 'expiresAt', data.expiresAt);
  if (expiresAt !== null && expiresAt <= now) {
    faults.push({ field: 'expiresAt', message: 'must be after the ledger time' });
  }
  if (faults.length > 0) return orgFailure(invalid(faults));
  if (!state.members.has(data.accountId)) {
    return orgFailure(
      conflict(`account "${data.accountId}" is not a member of organization "${data.organizationId}"`),
    );
  }
  const month = monthKeyOf(now);
  const spent = memberSpentThisMonth(state, data.accountId, now);
  const { limit, source } = effectiveLimit(state, data.accountId, now);
  const reject = (reason: PoolRejectionReason): OrganizationDecision =>
    orgEvents({
      type: 'MemberSpendRejected',
      data: orgStamped(data.organizationId, metadata, context, {
        holdId: data.holdId,
        fingerprint: metadata.fingerprint,
        accountId: data.accountId,
        usageId: data.usageId,
        product: data.product,
        month,
        reason,
        limitSource: source,
        limit: limit === null ? null : formatCredits(limit),
        requiredCredits: formatCredits(credits),
        spentThisMonth: formatCredits(spent),
        remainingThisMonth: limit === null ? null : formatCredits(spent < limit ? limit - spent : 0n),
        ...poolAfter(state, now, [], 1n, 0n),
      }),
    });
  if (limit !== null && spent + credits > limit) return reject('member_limit_reached');
  const allocations = allocatePool(state.grants, data.product, now, credits);
  if (allocations === null) return reject('insufficient_credits');
  const fields = {
    holdId: data.holdId,
    fingerprint: metadata.fingerprint,
    accountId: data.accountId,
    usageId: data.usageId,
    product: data.product,
    month,
    credits: formatCredits(credits),
    allocations: allocationsJson(allocations),
    expiresAt: isoOf(expiresAt as number),
    remainingThisMonth: limit === null ? null : formatCredits(limit - spent - credits),
  };
  return orgEvents({
    type: 'MemberSpendReserved',
    data: orgStamped(data.organizationId, metadata, context, {
      ...fields,
      ...poolAfter(state, now, allocations, -1n, credits),
    }),
  });
}

/**
 * Idempotent on the holdId by the usage it is for, not by the whole payload: a retry after a crash
 * computes a new `expiresAt` (and maybe another amount), and must get the first answer — the open
 * reservation or the rejection — rather than a 409. A reservation that has ended since is a
 * conflict with reason pool_reservation_closed: its credits are no longer held, so the shell must
 * not record a usage against it; it reserves again under the next attempt's holdId.
 */
function reservationRepeat(
  state: OrganizationState,
  holdId: string,
  accountId: string,
  usageId: string,
): OrganizationDecision | null {
  const entry = state.idempotency.get(organizationKeys.reserve(holdId));
  if (entry === undefined) return null;
  const known = state.reservations.get(holdId) ?? state.closedReservations.get(holdId);
  if (known === undefined || known.accountId !== accountId || known.usageId !== usageId) {
    return orgFailure(conflict(`holdId ${holdId} was already used with a different request`));
  }
  const status = reservationStatusOf(state, holdId);
  if (status === 'reserved' || status === 'rejected') return { kind: 'replay', revision: entry.revision };
  return orgFailure(
    conflictBecause('pool_reservation_closed', `member reservation "${holdId}" is ${status ?? 'unknown'}`),
  );
}

/** An open reservation, or the error naming why there is none. */
function openReservation(
  state: OrganizationState,
  holdId: string,
):
  | { readonly ok: true; readonly reservation: ReservationState }
  | { readonly ok: false; readonly decision: OrganizationDecision } {
  const reservation = state.reservations.get(holdId);
  if (reservation !== undefined) return { ok: true, reservation };
  const status = reservationStatusOf(state, holdId);
  const error =
    status === undefined
      ? notFound(`member reservation "${holdId}" not found in organization "${state.organizationId}"`)
      : conflict(`member reservation "${holdId}" is ${status}`);
  return { ok: false, decision: orgFailure(error) };
}

/**
 * The member's usage was recorded: `credits` (≤ reserved; what the UsageRecorded charged) are
 * consumed from the reservation's allocations in order, the rest goes back. Allowed past
 * `expiresAt` while the reservation is open: that is how the sweeper repairs a usage it found.
 */
export function decideSettleMemberSpend(
  command: SettleMemberSpend,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const repeat = orgRepeatOf(state.idempotency, organizationKeys.settle(data.holdId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const faults: Faults = [];
  checkHoldId(faults, data.holdId);
  checkId(faults, 'usageId', data.usageId);
  const credits = typeof data.credits === 'string' ? parseCredits(data.credits) : null;
  if (credits === null) {
    faults.push({
      field: 'credits',
      message: 'must be a decimal string ≤ 1000000000 with at most 6 fractional digits',
    });
  }
  if (faults.length > 0) return orgFailure(invalid(faults));
  const open = openReservation(state, data.holdId);
  if (!open.ok) return open.decision;
  const r = open.reservation;
  if (r.usageId !== data.usageId) {
    return orgFailure(
      invalid([{ field: 'usageId', message: `does not match the reservation's usage "${r.usageId}"` }]),
    );
  }
  if ((credits as Credits) > r.credits) {
    return orgFailure(
      invalid([{ field: 'credits', message: `must not exceed the ${formatCredits(r.credits)} reserved` }]),
    );
  }
  const { consumed, returned } = splitReserved(r.allocations, credits as Credits);
  const fields = {
    holdId: r.holdId,
    fingerprint: metadata.fingerprint,
    accountId: r.accountId,
    usageId: r.usageId,
    month: monthKeyOfNumber(r.month),
    credits: formatCredits(credits as Credits),
    allocations: allocationsJson(consumed),
    released: poolReturnOf(returned),
  };
  const pool = poolAfter(state, metadata.now, returned, 1n, -r.credits);
  return orgEvents({
    type: 'MemberSpendSettled',
    data: orgStamped(data.organizationId, metadata, context, { ...fields, ...pool }),
  });
}

/** The shell gives a reservation back (its usage was refused, or superseded by another attempt). */
export function decideReleaseMemberSpend(
  command: ReleaseMemberSpend,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const repeat = orgRepeatOf(state.idempotency, organizationKeys.release(data.holdId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const faults: Faults = [];
  checkHoldId(faults, data.holdId);
  checkText(faults, 'reason', data.reason);
  if (faults.length > 0) return orgFailure(invalid(faults));
  const open = openReservation(state, data.holdId);
  if (!open.ok) return open.decision;
  const r = open.reservation;
  const fields = {
    holdId: r.holdId,
    fingerprint: metadata.fingerprint,
    accountId: r.accountId,
    usageId: r.usageId,
    month: monthKeyOfNumber(r.month),
    reason: data.reason,
    released: poolReturnOf(r.allocations),
  };
  const pool = poolAfter(state, metadata.now, r.allocations, 1n, -r.credits);
  return orgEvents({
    type: 'MemberSpendReleased',
    data: orgStamped(data.organizationId, metadata, context, { ...fields, ...pool }),
  });
}

/**
 * The sweeper's last step, once PoolReservationLapsed is on the member's stream: idempotent by
 * value (an expired reservation appends nothing), refused before `expiresAt` and once it ended otherwise.
 */
export function decideExpireMemberSpend(
  command: ExpireMemberSpend,
  state: OrganizationState,
  context: OrganizationDecisionContext,
): OrganizationDecision {
  const { data, metadata } = command;
  const faults: Faults = [];
  checkHoldId(faults, data.holdId);
  if (faults.length > 0) return orgFailure(invalid(faults));
  if (reservationStatusOf(state, data.holdId) === 'expired') return orgEvents();
  const open = openReservation(state, data.holdId);
  if (!open.ok) return open.decision;
  const r = open.reservation;
  if (metadata.now < r.expiresAt) {
    return orgFailure(conflict(`member reservation "${r.holdId}" is not due until ${isoOf(r.expiresAt)}`));
  }
  const fields = {
    holdId: r.holdId,
    accountId: r.accountId,
    usageId: r.usageId,
    month: monthKeyOfNumber(r.month),
    expiresAt: isoOf(r.expiresAt),
    released: poolReturnOf(r.allocations),
  };
  const pool = poolAfter(state, metadata.now, r.allocations, 1n, -r.credits);
  return orgEvents({
    type: 'MemberSpendExpired',
    data: orgStamped(data.organizationId, metadata, context, { ...fields, ...pool }),
  });
}
