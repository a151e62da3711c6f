import type { AccountState } from '@ledger/domain';
import type { LoadedStream } from '@ledger/event-store';
import type { AccountCommandInput } from './account-commands.service';
import { commandKey } from './command-identity';
import { eventIdKeyOf } from './event-id-key';

const at = (revision: bigint | 'no_stream') => ({ revision }) as LoadedStream<AccountState>;
const key = (input: unknown, revision: bigint | 'no_stream' = 7n) =>
  eventIdKeyOf(input as AccountCommandInput, at(revision));

describe('eventIdKeyOf', () => {
  it('keeps the keys of the commands before holds (event ids of a retry across an upgrade stay the same)', () => {
    const a = 'acct';
    expect(key({ type: 'RecordUsage', data: { accountId: a, usageId: 'u' } })).toBe(
      commandKey('RecordUsage', a, 'u'),
    );
    expect(key({ type: 'PurchaseCredits', data: { accountId: a, purchaseId: 'p' } })).toBe(
      commandKey('PurchaseCredits', a, 'p'),
    );
    expect(key({ type: 'GrantCredits', data: { accountId: a, grantId: 'g' } })).toBe(
      commandKey('GrantCredits', a, 'g'),
    );
    // A refund was keyed by its purchase (the first id field found), and still is.
    expect(key({ type: 'RefundPurchase', data: { accountId: a, purchaseId: 'p', refundId: 'r' } })).toBe(
      commandKey('RefundPurchase', a, 'p'),
    );
    expect(key({ type: 'ResetAccountLimits', data: { accountId: a, resetId: 'x' } })).toBe(
      commandKey('ResetAccountLimits', a, 'x'),
    );
    expect(key({ type: 'ChangePlan', data: { accountId: a, plan: 'pro' } })).toBe(
      commandKey('ChangePlan', a, '@', '7'),
    );
    expect(key({ type: 'OpenAccount', data: { accountId: a, plan: 'pro' } }, 'no_stream')).toBe(
      commandKey('OpenAccount', a, '@', 'new'),
    );
  });

  it('keys the hold commands by the hold, a settlement by its usage, a reversal by the reversal', () => {
    const a = 'acct';
    expect(key({ type: 'PlaceHold', data: { accountId: a, holdId: 'h' } })).toBe(
      commandKey('PlaceHold', a, 'h'),
    );
    expect(key({ type: 'ReleaseHold', data: { accountId: a, holdId: 'h' } })).toBe(
      commandKey('ReleaseHold', a, 'h'),
    );
    expect(key({ type: 'ExpireHold', data: { accountId: a, holdId: 'h' } })).toBe(
      commandKey('ExpireHold', a, 'h'),
    );
    expect(key({ type: 'SettleHold', data: { accountId: a, holdId: 'h', usageId: 'u' } })).toBe(
      commandKey('SettleHold', a, 'u'),
    );
    expect(key({ type: 'ReverseUsage', data: { accountId: a, usageId: 'u', reversalId: 'rv' } })).toBe(
      commandKey('ReverseUsage', a, 'rv'),
    );
  });
});
