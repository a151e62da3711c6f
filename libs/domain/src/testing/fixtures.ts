import type { AccountCommand } from '../account/commands';
import { accountDecider } from '../account/decide';
import type { DecisionContext } from '../account/decision';
import type { AccountEvent } from '../account/events';
import { foldAccount, type AccountState } from '../account/state';
import { parseRateCard, type RateCard } from '../rate-card';
import { DeciderSpecification } from './decider-specification';

/** Test fixtures: a small rate card with round numbers, and command builders. Test-only. */
export const T0 = Date.parse('2026-11-03T10:00:00.000Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const MINUTE = 60_000;
export const ACCOUNT = 'acct-1';

const parsed = parseRateCard({
  version: 'test-1',
  credits: { defaultExpiryDays: 30 },
  products: {
    codex: {
      operations: {
        local_message: { unitsPerQuantity: 1, creditsPerQuantity: '5' },
        cloud_task: { unitsPerQuantity: 3, creditsPerQuantity: '1' },
        'gpt-5.5:output_tokens': { unitsPerQuantity: 0, creditsPerQuantity: '0.00075' },
      },
    },
    chatgpt_excel: { operations: { workbook_task: { unitsPerQuantity: 1, creditsPerQuantity: '2' } } },
    sora: { retired: true, operations: { video_second: { unitsPerQuantity: 1, creditsPerQuantity: '4' } } },
  },
  plans: {
    free: {
      products: {
        codex: { creditsAllowed: false, windows: [{ name: '5h', durationMs: 5 * HOUR, limitUnits: 5 }] },
      },
    },
    plus: {
      products: {
        codex: {
          creditsAllowed: true,
          windows: [
            { name: '5h', durationMs: 5 * 3_600_000, limitUnits: 10 },
            { name: 'weekly', durationMs: 7 * 86_400_000, limitUnits: 30 },
          ],
        },
      },
    },
    pro: {
      products: {
        codex: {
          creditsAllowed: true,
          windows: [
            { name: '5h', durationMs: 5 * 3_600_000, limitUnits: 100 },
            { name: 'weekly', durationMs: 7 * 86_400_000, limitUnits: 1000 },
          ],
        },
      },
    },
  },
});
if (!parsed.ok) throw new Error(`test rate card is invalid: ${JSON.stringify(parsed.errors)}`);
export const rateCard: RateCard = parsed.rateCard;
export const context: DecisionContext = { rateCard, resets: [] };

export const spec = (ctx: DecisionContext = context) => DeciderSpecification.for(accountDecider, ctx);

type CommandOf<T extends AccountCommand['type']> = Extract<AccountCommand, { type: T }>;

/** The fingerprint stands in for the shell's hash of the canonical payload. */
function command<T extends AccountCommand['type']>(
  type: T,
  data: CommandOf<T>['data'],
  now: number,
): CommandOf<T> {
  return {
    type,
    data,
    metadata: { now, fingerprint: `fp:${JSON.stringify(data)}`, actor: 'tester' },
  } as CommandOf<T>;
}

export const open = (plan = 'plus', now = T0) => command('OpenAccount', { accountId: ACCOUNT, plan }, now);
export const changePlan = (plan: string, now = T0) =>
  command('ChangePlan', { accountId: ACCOUNT, plan }, now);

export function usage(
  usageId: string,
  quantity: number,
  options: { now?: number; operation?: string; product?: string; occurredAt?: string; surface?: string } = {},
) {
  const { now = T0, operation = 'local_message', product = 'codex', ...rest } = options;
  return command('RecordUsage', { usageId, accountId: ACCOUNT, product, operation, quantity, ...rest }, now);
}

export function purchase(
  purchaseId: string,
  credits: string,
  options: { now?: number; amountMinor?: number; expiresAt?: string; products?: readonly string[] } = {},
) {
  const { now = T0, amountMinor = 1000, ...rest } = options;
  return command(
    'PurchaseCredits',
    { purchaseId, accountId: ACCOUNT, credits, amountPaid: { amountMinor, currency: 'USD' }, ...rest },
    now,
  );
}

export function grant(
  grantId: string,
  credits: string,
  options: {
    now?: number;
    priority?: number;
    expiresAt?: string;
    products?: readonly string[];
    reason?: string;
  } = {},
) {
  const { now = T0, reason = 'promo', ...rest } = options;
  return command('GrantCredits', { grantId, accountId: ACCOUNT, credits, reason, ...rest }, now);
}

export const refund = (refundId: string, purchaseId: string, now = T0) =>
  command('RefundPurchase', { refundId, accountId: ACCOUNT, purchaseId, reason: 'customer request' }, now);
export const cap = (creditsPerMonth: string | null, now = T0) =>
  command('SetSpendingCap', { accountId: ACCOUNT, creditsPerMonth }, now);
export const expire = (now = T0) => command('ExpireCredits', { accountId: ACCOUNT }, now);
export const resetAccount = (resetId: string, now = T0, product?: string) =>
  command(
    'ResetAccountLimits',
    { resetId, accountId: ACCOUNT, reason: 'support', ...(product ? { product } : {}) },
    now,
  );

/** Holds (issue 17). */
type Line = { operation: string; quantity: number };
export const line = (quantity: number, operation = 'local_message'): Line => ({ operation, quantity });
export const placeHold = (
  holdId: string,
  lines: readonly Line[],
  options: { now?: number; ttlSeconds?: number; product?: string } = {},
) => {
  const { now = T0, product = 'codex', ...rest } = options;
  return command('PlaceHold', { holdId, accountId: ACCOUNT, product, lines, ...rest }, now);
};
export const settleHold = (holdId: string, usageId: string, lines: readonly Line[], now = T0) =>
  command('SettleHold', { holdId, accountId: ACCOUNT, usageId, lines }, now);
export const releaseHold = (holdId: string, now = T0, reason = 'task cancelled') =>
  command('ReleaseHold', { holdId, accountId: ACCOUNT, reason }, now);
export const expireHold = (holdId: string, now = T0) =>
  command('ExpireHold', { holdId, accountId: ACCOUNT }, now);

/** Reversals (issue 17). */
export const reverseUsage = (reversalId: string, usageId: string, now = T0, reason = 'task failed') =>
  command('ReverseUsage', { reversalId, accountId: ACCOUNT, usageId, reason }, now);

/** The context a shell gives ReverseUsage: the event that recorded a usage, read from `events`. */
export function contextWithUsages(
  events: readonly AccountEvent[],
  ctx: DecisionContext = context,
): DecisionContext {
  return {
    ...ctx,
    usageEventOf: (usageId) =>
      events.find(
        (e) =>
          (e.type === 'UsageRecorded' || e.type === 'UsageRejected' || e.type === 'HoldSettled') &&
          e.data.usageId === usageId,
      ),
  };
}

/** "Given these commands happened": their events, each decided on the state before it. */
export function history(commands: readonly AccountCommand[], ctx: DecisionContext = context): AccountEvent[] {
  const events: AccountEvent[] = [];
  for (const cmd of commands) {
    const decision = accountDecider.decide(cmd, foldAccount(events), contextWithUsages(events, ctx));
    if (decision.kind !== 'events') throw new Error(`history: ${cmd.type} gave ${JSON.stringify(decision)}`);
    events.push(...decision.events);
  }
  return events;
}

export const stateOf = (events: readonly AccountEvent[]): AccountState => foldAccount(events);

/** fast-check options: seeded from FC_SEED when set, else a fresh seed that failures print. */
export function propertyOptions(numRuns: number): { seed: number; numRuns: number } {
  const fromEnv = process.env.FC_SEED;
  const seed =
    fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  return { seed, numRuns };
}
