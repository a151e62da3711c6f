import { events, failure, repeatOf, stamped, type Decision, type DecisionContext } from '../account/decision';
import type { EventStamp } from '../account/events';
import type { AccountState } from '../account/state';
import { checkId, checkText, type Faults } from '../account/validate';
import { formatCredits, type Credits } from '../credits';
import { conflict, invalid, notFound } from '../errors';
import { isExpired } from '../expiry';
import { idempotencyKeys } from '../idempotency';
import { isoOf, type EpochMs } from '../time';
import type { ExpireHold, ReleaseHold } from './commands';
import type { HoldExpired, Released } from './events';
import { holdsDue, holdStatusOf, type HeldCredits, type HoldState } from './state';

/**
 * What giving back `credits` of a hold's allocations does at `now`: each share goes back to its
 * grant, unless that grant expired (or was written off) while held — then the share is written off
 * as expired, as it would have been had it not been held. Units are simply no longer held.
 */
export function releasedOf(
  state: AccountState,
  allocations: readonly HeldCredits[],
  allowanceUnits: number,
  now: EpochMs,
): Released {
  const back: { grantId: string; credits: string }[] = [];
  const expired: { grantId: string; credits: string }[] = [];
  let total: Credits = 0n;
  for (const a of allocations) {
    if (a.credits === 0n) continue;
    total += a.credits;
    const grant = state.grants.find((g) => g.grantId === a.grantId);
    const open = grant !== undefined && grant.status === 'open' && !isExpired(grant, now);
    (open ? back : expired).push({ grantId: a.grantId, credits: formatCredits(a.credits) });
  }
  return { allowanceUnits, credits: formatCredits(total), allocations: back, expired };
}

/**
 * The open hold a settle or release acts on, or its answer: 404 when the account never had it,
 * 409 naming the state when it ended (SPEC §6). Only looked up, never iterated.
 */
export function openHoldOr(
  state: AccountState,
  holdId: string,
  accountId: string,
): { readonly hold: HoldState } | { readonly answer: Decision } {
  const hold = state.holds.get(holdId);
  if (hold !== undefined) return { hold };
  const closed = state.closedHolds.get(holdId);
  if (closed === undefined)
    return { answer: failure(notFound(`hold "${holdId}" not found on account "${accountId}"`)) };
  return { answer: failure(conflict(`hold "${holdId}" is ${closed.status}`)) };
}

export function decideReleaseHold(
  command: ReleaseHold,
  state: AccountState,
  context: DecisionContext,
): Decision {
  const { data, metadata } = command;
  const repeat = repeatOf(state.idempotency, idempotencyKeys.release(data.holdId), metadata.fingerprint);
  if (repeat !== null) return repeat;
  const faults: Faults = [];
  checkId(faults, 'holdId', data.holdId);
  checkText(faults, 'reason', data.reason);
  if (faults.length > 0) return failure(invalid(faults));
  const found = openHoldOr(state, data.holdId, data.accountId);
  if ('answer' in found) return found.answer;
  const { hold } = found;
  return events({
    type: 'HoldReleased',
    data: stamped(data.accountId, metadata, context, {
      holdId: hold.holdId,
      fingerprint: metadata.fingerprint,
      reason: data.reason,
      released: releasedOf(state, hold.allocations, hold.allowanceUnits, metadata.now),
    }),
  });
}

/**
 * The scheduler's ExpireHold: the due holds were already expired by the lazy step of `decide`
 * (which runs before every command), so there is nothing left to append. Idempotent by value.
 */
export function decideExpireHold(command: ExpireHold, state: AccountState): Decision {
  if (holdStatusOf(state, command.data.holdId) === undefined) {
    return failure(
      notFound(`hold "${command.data.holdId}" not found on account "${command.data.accountId}"`),
    );
  }
  return events();
}

/** One HoldExpired per open hold whose expiry has come, releasing all it held. */
export function holdExpiryEvents(state: AccountState, stamp: EventStamp, now: EpochMs): HoldExpired[] {
  return holdsDue(state.holds, now).map((hold) => ({
    type: 'HoldExpired',
    data: {
      accountId: stamp.accountId,
      recordedAt: stamp.recordedAt,
      rateCardVersion: stamp.rateCardVersion,
      actor: stamp.actor,
      holdId: hold.holdId,
      expiresAt: isoOf(hold.expiresAt),
      released: releasedOf(state, hold.allocations, hold.allowanceUnits, now),
    },
  }));
}
