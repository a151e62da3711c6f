import type { AccountCommand, RecordUsage } from '../account/commands';
import { decideRecordUsage } from '../account/decide-usage';
import type { AccountEvent } from '../account/events';
import { events, failure, type Decision, type DecisionContext } from '../account/decision';
import type { AccountState } from '../account/state';
import { conflict } from '../errors';
import { idempotencyKeys } from '../idempotency';
import type { HoldCommand } from './commands';
import { decidePlaceHold } from './decide-place';
import { decideExpireHold, decideReleaseHold } from './decide-release';
import { decideSettleHold } from './decide-settle';
import { heldOnGrant, openHolds, snapshotsWithoutHeld, withHoldsApplied } from './state';

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

/**
 * RecordUsage with holds: decided on the state with open holds' units and credits taken out
 * (`withHoldsApplied`), its window snapshots then given back their real `used`.
 */
export function decideUsageBesideHolds(
  command: RecordUsage,
  state: AccountState,
  context: DecisionContext,
): Decision {
  if (state.holds.size === 0) return decideRecordUsage(command, state, context);
  const decision = decideRecordUsage(command, withHoldsApplied(state, command.metadata.now), context);
  if (decision.kind !== 'events') return decision;
  return events(
    ...decision.events.map((event): AccountEvent => {
      if (event.type !== 'UsageRecorded' && event.type !== 'UsageRejected') return event;
      return {
        ...event,
        data: {
          ...event.data,
          windows: snapshotsWithoutHeld(state, event.data.windows, command.metadata.now, context.resets),
        },
      } as AccountEvent;
    }),
  );
}

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
