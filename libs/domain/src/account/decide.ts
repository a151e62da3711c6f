import { formatCredits } from '../credits';
import { invalid, notFound } from '../errors';
import { grantsToWriteOff } from '../expiry';
import { isLedgerTime, isoOf, LEDGER_TIME_RANGE } from '../time';
import type { AccountCommand } from './commands';
import {
  decideChangePlan,
  decideOpenAccount,
  decideResetAccountLimits,
  decideSetSpendingCap,
} from './decide-account';
import { decideGrantCredits, decidePurchaseCredits, decideRefundPurchase } from './decide-credits';
import { events, failure, stampOf, type Decision, type DecisionContext } from './decision';
import type { CreditsExpired, EventStamp } from './events';
import { evolve, initialState, type AccountState } from './state';
import {
  decideHoldCommand,
  isHoldCommand,
  refundBlockedByHolds,
  decideUsageBesideHolds,
} from '../holds/decide-holds';
import { holdExpiryEvents } from '../holds/decide-release';
import { holdsDue } from '../holds/state';
import { decideReverseUsage } from '../reversals/decide-reverse';
import {
  decideAlertsCommand,
  isAlertsCommand,
  mayRequestTopUp,
  topUpRequestAfter,
} from '../alerts/decide-alerts';
import { foldAccount } from './state';
import { isMembershipCommand } from '../membership/commands';
import { decideMembershipCommand } from '../membership/decide-membership';
import { decideMemberUsage, refusedForMember } from '../membership/member-usage';

/**
 * The account decider: `decide(command, state, context)` over the folded `account-<id>` stream.
 * Order of checks: account open → (keyed commands) idempotency → field validation → rules.
 * Any command that appends first writes off expired credits (lazy expiry); a replay or an error
 * appends nothing, expiry included.
 */
export function decide(command: AccountCommand, state: AccountState, context: DecisionContext): Decision {
  const decision = decideCommand(command, state, context);
  if (decision.kind !== 'events' || !mayRequestTopUp(command, state, decision.events)) return decision;
  // Auto top-up (alerts/): the same append asks for credits when these events leave the balance low.
  const after = foldAccount(decision.events, state);
  const request = topUpRequestAfter(
    after,
    command.metadata.now,
    stampOf(after.accountId ?? '', command.metadata, context),
  );
  return request === null ? decision : events(...decision.events, request);
}

function decideCommand(command: AccountCommand, state: AccountState, context: DecisionContext): Decision {
  // Every event is stamped with `now`: a clock outside the ledger's range would write an unreadable time.
  if (!isLedgerTime(command.metadata.now)) {
    return failure(
      invalid([{ field: 'recordedAt', message: `the ledger clock is outside ${LEDGER_TIME_RANGE}` }]),
    );
  }
  if (command.type === 'OpenAccount') return decideOpenAccount(command, state, context);
  if (state.accountId === null) {
    return failure(notFound(`account "${command.data.accountId}" is not open`));
  }
  if (command.data.accountId !== state.accountId) {
    return failure(invalid([{ field: 'accountId', message: 'does not match the account stream' }]));
  }
  const now = command.metadata.now;
  // Nothing due (nearly always): decide on the state as it is, with no write-offs to prepend.
  if (grantsToWriteOff(state.grants, now).length === 0 && holdsDue(state.holds, now).length === 0) {
    return decideAfterExpiry(command, state, context);
  }
  // Holds expire first (giving their credits back), then expired grants are written off.
  const stamp = stampOf(state.accountId, command.metadata, context);
  const holdsExpired = holdExpiryEvents(state, stamp, now);
  const afterHolds = holdsExpired.reduce<AccountState>(evolve, state);
  const grantsExpired = expiryEvents(afterHolds, stamp, now);
  // Folded on from `afterHolds`, not again from `state`: a second branch would copy the indexes.
  const afterExpiry = grantsExpired.reduce<AccountState>(evolve, afterHolds);
  const expired = [...holdsExpired, ...grantsExpired];
  const decision = decideAfterExpiry(command, afterExpiry, context);
  return decision.kind === 'events' ? events(...expired, ...decision.events) : decision;
}

function decideAfterExpiry(command: AccountCommand, state: AccountState, context: DecisionContext): Decision {
  const refused = refusedForMember(command, state, context);
  if (refused !== null) return refused;
  if (isMembershipCommand(command)) return decideMembershipCommand(command, state, context);
  if (isHoldCommand(command)) return decideHoldCommand(command, state, context);
  if (isAlertsCommand(command)) return decideAlertsCommand(command, state, context);
  switch (command.type) {
    case 'OpenAccount':
      return decideOpenAccount(command, state, context);
    case 'ChangePlan':
      return decideChangePlan(command, state, context);
    case 'RecordUsage':
      // A member's overage is paid by its organisation's pool only (membership/member-usage.ts).
      if (state.membership.organizationId !== null || command.pool !== undefined) {
        return decideMemberUsage(command, state, context);
      }
      // Held units and credits are invisible to usage: it decides on the state with holds applied.
      return decideUsageBesideHolds(command, state, context);
    case 'PurchaseCredits':
      return decidePurchaseCredits(command, state, context);
    case 'GrantCredits':
      return decideGrantCredits(command, state, context);
    case 'RefundPurchase':
      return (
        refundBlockedByHolds(state, command.data.refundId, command.data.purchaseId) ??
        decideRefundPurchase(command, state, context)
      );
    case 'SetSpendingCap':
      return decideSetSpendingCap(command, state, context);
    case 'ExpireCredits':
      return events(); // the write-offs were already prepended: that is the whole command
    case 'ResetAccountLimits':
      return decideResetAccountLimits(command, state, context);
    case 'ReverseUsage':
      return decideReverseUsage(command, state, context);
  }
}

/** One CreditsExpired per grant whose expiry has passed and which still holds credits. */
export function expiryEvents(state: AccountState, stamp: EventStamp, now: number): CreditsExpired[] {
  return grantsToWriteOff(state.grants, now).map((grant) => ({
    type: 'CreditsExpired',
    data: {
      accountId: stamp.accountId,
      recordedAt: stamp.recordedAt,
      rateCardVersion: stamp.rateCardVersion,
      actor: stamp.actor,
      grantId: grant.grantId,
      credits: formatCredits(grant.remaining),
      expiresAt: isoOf(grant.expiresAt as number),
    },
  }));
}

export const accountDecider = { initialState, evolve, decide } as const;
