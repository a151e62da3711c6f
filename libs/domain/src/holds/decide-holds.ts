import type { AccountCommand } from '../account/commands';
import { failure, type Decision, type DecisionContext } from '../account/decision';
import type { AccountState } from '../account/state';
import { conflict } from '../errors';
import { idempotencyKeys } from '../idempotency';
import type { HoldCommand } from './commands';
import { decidePlaceHold } from './decide-place';
import { decideExpireHold, decideReleaseHold } from './decide-release';
import { decideSettleHold } from './decide-settle';
import { heldOnGrant, openHolds, withHoldsApplied } from './state';

/** The holds module's entry point, dispatched from the account decider (after lazy expiry). */
export function decideHoldCommand(
  command: HoldCommand,
  state: AccountState,
  context: DecisionContext,
): Decision {
  switch (command.type) {
    case 'PlaceHold':
      return decidePlaceHold(command, state, context);
    case 'SettleHold':
      return decideSettleHold(command, state, context);
    case 'ReleaseHold':
      return decideReleaseHold(command, state, context);
    case 'ExpireHold':
      return decideExpireHold(command, state);
  }
}

export function isHoldCommand(command: AccountCommand): command is HoldCommand {
  return (
    command.type === 'PlaceHold' ||
    command.type === 'SettleHold' ||
    command.type === 'ReleaseHold' ||
    command.type === 'ExpireHold'
  );
}

/** What RecordUsage decides on: the state with open holds' units and credits taken out. */
export const usageView = withHoldsApplied;

/**
 * A purchase cannot be refunded while an open hold keeps some of its credits: the refund would
 * take back (and pay back) only the unheld remainder, and the held share would then have no grant
 * to return to on release. The caller releases (or settles) the hold first. A repeat of a refund
 * already recorded is not blocked (it replays).
 */
export function refundBlockedByHolds(
  state: AccountState,
  refundId: string,
  purchaseId: string,
): Decision | null {
  if (state.idempotency.has(idempotencyKeys.refund(refundId))) return null;
  if (heldOnGrant(state.holds, purchaseId) === 0n) return null;
  const holding = openHolds(state.holds)
    .filter((h) => h.allocations.some((a) => a.grantId === purchaseId))
    .map((h) => `"${h.holdId}"`);
  return failure(
    conflict(
      `purchase "${purchaseId}" has credits held by hold ${holding.join(', ')}: release or settle it first`,
    ),
  );
}
