import {
  creditsFromStored,
  formatCredits,
  operationOf,
  type AccountEvent,
  type Allocation,
  type HoldPlaced,
  type HoldSettled,
  type RateCard,
  type UsageReversed,
} from '@ledger/domain';
import { allocationsText } from '../output/event-description';
import { keyValueLines, shortTime } from '../output/text-format';
import type { AccountHistoryItem } from '../read-models/account-history';

/** An amount of a settlement: allowance units and credits, with the grants the credits came from. */
interface Amount {
  readonly allowanceUnits: number;
  readonly credits: string;
  readonly allocations: readonly Allocation[];
}

/** Everything needed to answer "what did this settled task cost, and why?" (issue 17). */
export interface SettlementExplanation {
  readonly accountId: string;
  readonly usageId: string;
  readonly outcome: 'settled';
  readonly holdId: string;
  readonly position: string;
  readonly recordedAt: string;
  readonly plan: string;
  readonly product: string;
  /** The hold as placed; null if its event is not in the account's history (never expected). */
  readonly hold: {
    readonly position: string;
    readonly placedAt: string;
    readonly expiresAt: string;
    readonly held: Amount;
  } | null;
  readonly rateCardVersion: string;
  /** Each line at today's rate card (events record the version, not each line's price). */
  readonly lines: readonly {
    readonly operation: string;
    readonly quantity: number;
    readonly unitsPerQuantity: number | null;
    readonly creditsPerQuantity: string | null;
  }[];
  readonly todayRateCardVersion: string;
  readonly consumed: Amount;
  readonly charged: Amount;
  readonly released: HoldSettled['data']['released'];
  readonly uncollected: HoldSettled['data']['uncollected'];
  readonly balanceBefore: string;
  readonly balanceAfter: string;
  readonly reversal: {
    readonly reversalId: string;
    readonly position: string;
    readonly recordedAt: string;
    readonly reason: string;
    readonly credits: string;
  } | null;
}

export function isSettlementOf(event: AccountEvent, usageId: string): event is HoldSettled {
  return event.type === 'HoldSettled' && event.data.usageId === usageId;
}

export function isReversalOf(event: AccountEvent, usageId: string): event is UsageReversed {
  return event.type === 'UsageReversed' && event.data.usageId === usageId;
}

export function explainSettlement(
  settled: AccountHistoryItem & { readonly event: HoldSettled },
  placed: (AccountHistoryItem & { readonly event: HoldPlaced }) | undefined,
  previous: AccountHistoryItem | undefined,
  rateCard: RateCard,
): SettlementExplanation {
  const d = settled.event.data;
  return {
    accountId: d.accountId,
    usageId: d.usageId,
    outcome: 'settled',
    holdId: d.holdId,
    position: settled.position,
    recordedAt: d.recordedAt,
    plan: d.plan,
    product: d.product,
    hold:
      placed === undefined
        ? null
        : {
            position: placed.position,
            placedAt: placed.event.data.recordedAt,
            expiresAt: placed.event.data.expiresAt,
            held: {
              allowanceUnits: placed.event.data.allowanceUnits,
              credits: placed.event.data.credits,
              allocations: placed.event.data.allocations,
            },
          },
    rateCardVersion: d.rateCardVersion,
    lines: d.lines.map((line) => {
      const price = operationOf(rateCard, d.product, line.operation);
      return {
        ...line,
        unitsPerQuantity: price?.unitsPerQuantity ?? null,
        creditsPerQuantity: price === undefined ? null : formatCredits(price.creditsPerQuantity),
      };
    }),
    todayRateCardVersion: rateCard.version,
    consumed: d.consumed,
    charged: d.charged,
    released: d.released,
    uncollected: d.uncollected,
    balanceBefore: previous?.stateAfter.balance ?? '0',
    balanceAfter: d.balanceAfter,
    reversal: null,
  };
}

export function withReversal(
  x: SettlementExplanation,
  reversal: AccountHistoryItem & { readonly event: UsageReversed },
): SettlementExplanation {
  const r = reversal.event.data;
  return {
    ...x,
    reversal: {
      reversalId: r.reversalId,
      position: reversal.position,
      recordedAt: r.recordedAt,
      reason: r.reason,
      credits: r.credits,
    },
  };
}

function amountText(a: Amount): string {
  const parts = [
    ...(a.allowanceUnits === 0 ? [] : [`${a.allowanceUnits} allowance units`]),
    ...(a.credits === '0' ? [] : [`${a.credits} credits (${allocationsText(a.allocations)})`]),
  ];
  return parts.join(' + ') || 'nothing';
}

function lineText(line: SettlementExplanation['lines'][number]): readonly [string, string] {
  const { operation, quantity, unitsPerQuantity: units, creditsPerQuantity: credits } = line;
  if (units === null || credits === null) return [operation, `× ${quantity} (not in today's rate card)`];
  if (units === 0) {
    const total = formatCredits(BigInt(quantity) * creditsFromStored(credits));
    return [operation, `${quantity} × ${credits} = ${total} credits (credits only)`];
  }
  return [
    operation,
    `× ${quantity} = ${quantity * units} units, or ${credits} credits each past the allowance`,
  ];
}

export function renderSettlement(x: SettlementExplanation): string {
  const hold = x.hold;
  const card =
    x.rateCardVersion === x.todayRateCardVersion
      ? `rate card ${x.rateCardVersion}`
      : `recorded under rate card ${x.rateCardVersion}; prices below are today's (${x.todayRateCardVersion})`;
  const released = x.released;
  const releasedText = [
    ...(released.allowanceUnits === 0 ? [] : [`${released.allowanceUnits} allowance units`]),
    ...(released.allocations.length === 0
      ? []
      : [`credits back to ${allocationsText(released.allocations)}`]),
    ...(released.expired.length === 0
      ? []
      : [`written off (grant expired while held): ${allocationsText(released.expired)}`]),
  ];
  const rows: [string, string][] = [
    ['recorded', `${shortTime(x.recordedAt)} UTC, log position ${x.position}`],
    [
      'hold',
      hold === null
        ? `${x.holdId} (its placement is not in this account's history)`
        : `${x.holdId} placed ${shortTime(hold.placedAt)} UTC (position ${hold.position}), held ${amountText(hold.held)}, until ${shortTime(hold.expiresAt)}`,
    ],
    ['from the hold', amountText(x.consumed)],
    [
      'beyond it',
      `${amountText(x.charged)}${x.charged.credits === '0' && x.charged.allowanceUnits === 0 ? '' : ', charged at settlement'}`,
    ],
    ['released', releasedText.join('; ') || 'nothing'],
    [
      'uncollected',
      x.uncollected.credits === '0'
        ? '0: everything was paid'
        : `${x.uncollected.credits} credits (${x.uncollected.reason ?? 'unpaid'}): the work was done, posted to the uncollected ledger account`,
    ],
    [
      'balance',
      `${x.balanceBefore} → ${x.balanceAfter} credits (held credits left the balance when the hold was placed)`,
    ],
  ];
  if (x.reversal !== null) {
    const r = x.reversal;
    rows.push([
      'reversed',
      `${r.reversalId} at ${shortTime(r.recordedAt)} UTC (position ${r.position}): ${r.credits} credits back ("${r.reason}")`,
    ]);
  }
  return [
    `Usage ${x.usageId} of ${x.accountId} (plan ${x.plan}): SETTLED from hold ${x.holdId}${x.reversal === null ? '' : ', then REVERSED'}\n\n`,
    keyValueLines(rows),
    `\n  lines (${x.product}, ${card}):\n`,
    keyValueLines(x.lines.map(lineText), '    '),
  ].join('');
}
