import type { AccountState } from '@ledger/domain';
import type { LoadedStream } from '@ledger/event-store';
import type { AccountCommandInput } from './account-commands.service';
import { commandKey } from './command-identity';

/**
 * The command key event ids derive from (with the stream and the events' content), encoded without
 * ambiguity. Keyed commands use their id; the others (open, plan change, cap, expiry sweep) the
 * revision they were decided at. Two different decisions under one key never share ids.
 */
export function eventIdKeyOf(input: AccountCommandInput, loaded: LoadedStream<AccountState>): string {
  const id = ownIdOf(input);
  if (id !== undefined) return commandKey(input.type, input.data.accountId, id);
  const at = loaded.revision === 'no_stream' ? 'new' : loaded.revision.toString();
  return commandKey(input.type, input.data.accountId, '@', at);
}

/** The id a command is known by, when it has one (the part of its event ids' key that is the caller's). */
function ownIdOf(input: AccountCommandInput): string | undefined {
  switch (input.type) {
    case 'RecordUsage':
    case 'SettleHold':
      return input.data.usageId;
    case 'PurchaseCredits':
      return input.data.purchaseId;
    case 'GrantCredits':
      return input.data.grantId;
    case 'RefundPurchase':
      // The purchase, as before holds: ids of a refund retried across an upgrade must stay the same.
      return input.data.purchaseId;
    case 'ResetAccountLimits':
      return input.data.resetId;
    case 'PlaceHold':
    case 'ReleaseHold':
    case 'ExpireHold':
      return input.data.holdId;
    case 'ReverseUsage':
      return input.data.reversalId;
    default:
      return undefined;
  }
}
