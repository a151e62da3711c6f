import {
  creditsFromStored,
  formatCredits,
  type AccountEvent,
  type Allocation,
  type HoldEvent,
  type HoldLine,
  type HoldSettled,
  type LimitsReset,
  type PoolAlertsEvent,
  type Released,
  type UsageReversed,
  type WindowSnapshot,
} from '@ledger/domain';
import { shortTime } from './text-format';

/** One event as a timeline row: what happened, what it charged. */
export interface EventCharge {
  readonly what: string;
  readonly allowanceUnits: string;
  readonly credits: string;
}

export function money(amountMinor: number, currency: string): string {
  return `${currency} ${(amountMinor / 100).toFixed(2)}`;
}

export function allocationsText(allocations: readonly Allocation[]): string {
  return allocations.map((a) => `${a.grantId} ${a.credits}`).join(', ');
}

/**
 * `codex 5h 150/150 · weekly 150/1500` for the windows in use, grouped by product; units kept by
 * open holds (issue 17) beside the used ones: `5h 10/150 (+5 held)`.
 */
export function windowsText(windows: readonly WindowSnapshot[]): string {
  const byProduct = new Map<string, string[]>();
  for (const w of windows.filter((w) => w.used > 0 || (w.held ?? 0) > 0)) {
    const held = (w.held ?? 0) > 0 ? ` (+${w.held} held)` : '';
    byProduct.set(w.product, [
      ...(byProduct.get(w.product) ?? []),
      `${w.window} ${w.used}/${w.limit}${held}`,
    ]);
  }
  if (byProduct.size === 0) return '—';
  return [...byProduct].map(([product, used]) => `${product} ${used.join(' · ')}`).join('; ');
}

/** The last column of a timeline row: credits kept by open holds (when any), then the windows. */
export function stateText(state: {
  readonly held?: string;
  readonly windows: readonly WindowSnapshot[];
}): string {
  const windows = windowsText(state.windows);
  if (state.held === undefined || state.held === '0') return windows;
  return windows === '—' ? `held ${state.held}` : `held ${state.held} · ${windows}`;
}

export function describeEvent(event: AccountEvent): EventCharge {
  const none = { allowanceUnits: '', credits: '' };
  switch (event.type) {
    case 'AccountOpened':
      return { what: `opened on plan ${event.data.plan}`, ...none };
    case 'PlanChanged':
      return { what: `plan ${event.data.from} → ${event.data.to}`, ...none };
    case 'UsageRecorded': {
      const d = event.data;
      // Paid by the organisation's pool: the member's own balance does not move; the pool's rows
      // (its reservation, then its settlement) show the money.
      if (d.paidBy !== undefined)
        return {
          what: `${d.product} ${d.operation} ×${d.quantity} [${d.usageId}], paid by the pool of ${d.paidBy.organizationId}: ${allocationsText(d.allocations)}`,
          allowanceUnits: d.allowanceUnits === 0 ? '' : `${d.allowanceUnits} u`,
          credits: '',
        };
      const paid = d.allocations.length === 0 ? '' : `, paid by ${allocationsText(d.allocations)}`;
      return {
        what: `${d.product} ${d.operation} ×${d.quantity} [${d.usageId}]${paid}`,
        allowanceUnits: d.allowanceUnits === 0 ? '' : `${d.allowanceUnits} u`,
        credits: d.creditsCharged === '0' ? '' : `-${d.creditsCharged}`,
      };
    }
    case 'UsageRejected': {
      const d = event.data;
      const retry = d.resetsAt === null ? '' : `, allowance back ${shortTime(d.resetsAt)}`;
      return {
        what: `${d.product} ${d.operation} ×${d.quantity} [${d.usageId}] refused: ${d.reason}, needs ${d.requiredCredits} credits${retry}`,
        ...none,
      };
    }
    case 'CreditsPurchased': {
      const d = event.data;
      const expiry = d.expiresAt === null ? '' : `, expires ${shortTime(d.expiresAt)}`;
      return {
        what: `bought ${d.purchaseId} for ${money(d.amountPaid.amountMinor, d.amountPaid.currency)}${expiry}`,
        allowanceUnits: '',
        credits: `+${d.credits}`,
      };
    }
    case 'CreditsGranted': {
      const d = event.data;
      const expiry = d.expiresAt === null ? '' : `, expires ${shortTime(d.expiresAt)}`;
      return {
        what: `promo ${d.grantId} "${d.reason}"${expiry}`,
        allowanceUnits: '',
        credits: `+${d.credits}`,
      };
    }
    case 'PurchaseRefunded': {
      const d = event.data;
      return {
        what: `refund of ${d.purchaseId}: ${money(d.amountRefunded.amountMinor, d.amountRefunded.currency)} back ("${d.reason}")`,
        allowanceUnits: '',
        credits: `-${d.credits}`,
      };
    }
    case 'SpendingCapSet':
      return {
        what: `spending cap ${event.data.creditsPerMonth ?? 'none'} credits/month`,
        ...none,
      };
    case 'CreditsExpired':
      return {
        what: `${event.data.grantId} expired at ${shortTime(event.data.expiresAt)}: its remainder is written off`,
        allowanceUnits: '',
        credits: `-${event.data.credits}`,
      };
    case 'AccountLimitsReset':
      return {
        what: `limits reset${event.data.product ? ` (${event.data.product})` : ''}: "${event.data.reason}"`,
        ...none,
      };
    case 'HoldPlaced':
    case 'HoldRejected':
    case 'HoldSettled':
    case 'HoldReleased':
    case 'HoldExpired':
      return describeHoldEvent(event);
    case 'UsageReversed':
      return describeReversal(event);
    case 'AlertsSet':
    case 'AutoTopUpSet':
    case 'TopUpRequested':
    case 'TopUpFailed':
    case 'AutoTopUpDisabled':
      return describeAlertsEvent(event);
    case 'CreditsExpiringSoon': {
      const grants = event.data.grants.map((g) => `${g.grantId} (${g.remaining} on ${g.expiresAt})`);
      return { what: `expiring within ${event.data.withinDays} days: ${grants.join(', ')}`, ...none };
    }
    case 'JoinedOrganization':
      return { what: `joined organization ${event.data.organizationId} (plan ${event.data.plan})`, ...none };
    case 'LeftOrganization':
      return { what: `left organization ${event.data.organizationId} (plan ${event.data.plan})`, ...none };
    case 'PoolReservationLapsed':
      return { what: `pool reservation [${event.data.holdId}] for [${event.data.usageId}] lapsed`, ...none };
  }
}

/**
 * Holds in the timeline's columns: `allowance` is the change in units used, `credits` the change in
 * the balance (so the balance column reconciles row after row). A hold spends nothing: its units
 * and credits are set aside, shown in brackets — `[5 u]`, `[-30.52]` when placed, `[-5 u]`,
 * `[+30.52]` when given back. A settlement is the usage: its units are used, and its credits column
 * is what it did to the balance (the released share back, minus what was charged beyond the hold);
 * what it spent in all is in words on the line below.
 */
function describeHoldEvent(event: HoldEvent): EventCharge {
  const none = { allowanceUnits: '', credits: '' };
  switch (event.type) {
    case 'HoldPlaced': {
      const d = event.data;
      const from = d.allocations.length === 0 ? '' : ` from ${allocationsText(d.allocations)}`;
      return {
        what: `hold [${d.holdId}] ${d.product} ${linesText(d.lines)}: holds ${heldText(d.allowanceUnits, d.credits)}${from} until ${shortTime(d.expiresAt)}`,
        allowanceUnits: d.allowanceUnits === 0 ? '' : `[${d.allowanceUnits} u]`,
        credits: d.credits === '0' ? '' : `[-${d.credits}]`,
      };
    }
    case 'HoldRejected': {
      const d = event.data;
      const retry = d.resetsAt === null ? '' : `, allowance back ${shortTime(d.resetsAt)}`;
      return {
        what: `hold [${d.holdId}] ${d.product} ${linesText(d.lines)} refused: ${d.reason}, needs ${d.requiredCredits} credits${retry}`,
        ...none,
      };
    }
    case 'HoldSettled':
      return describeSettlement(event.data);
    case 'HoldReleased':
      return {
        what: `hold [${event.data.holdId}] released ("${event.data.reason}"): ${releasedText(event.data.released)}`,
        ...releasedColumns(event.data.released),
      };
    case 'HoldExpired':
      return {
        what: `hold [${event.data.holdId}] expired at ${shortTime(event.data.expiresAt)}: ${releasedText(event.data.released)}`,
        ...releasedColumns(event.data.released),
      };
  }
}

function describeSettlement(d: HoldSettled['data']): EventCharge {
  const units = d.consumed.allowanceUnits + d.charged.allowanceUnits;
  const spent = creditsFromStored(d.consumed.credits) + creditsFromStored(d.charged.credits);
  const balanceChange = sumOf(d.released.allocations) - creditsFromStored(d.charged.credits);
  const beyond = d.charged.allowanceUnits > 0 || d.charged.credits !== '0';
  const parts = [
    beyond
      ? `spent ${heldText(units, formatCredits(spent))}: ${amountText(d.consumed)} from the hold + ${amountText(d.charged)} beyond it`
      : `spent ${amountText(d.consumed)} from the hold`,
  ];
  if (d.released.allowanceUnits > 0 || d.released.credits !== '0') {
    parts.push(`released ${releasedText(d.released)}`);
  }
  if (d.uncollected.credits !== '0') {
    parts.push(`uncollected ${d.uncollected.credits} credits (${d.uncollected.reason ?? 'unpaid'})`);
  }
  return {
    what: `hold [${d.holdId}] settled as usage [${d.usageId}] ${d.product} ${linesText(d.lines)}: ${parts.join('; ')}`,
    allowanceUnits: units === 0 ? '' : `${units} u`,
    credits: signed(balanceChange),
  };
}

function describeReversal(event: UsageReversed): EventCharge {
  const d = event.data;
  // The usage counted its units in each window: what comes back is at most that, per live window.
  const units = Math.max(0, ...d.windows.map((w) => w.units));
  const back: string[] = [];
  if (d.allocations.length > 0) back.push(`credits back to ${allocationsText(d.allocations)}`);
  if (d.regranted !== null) back.push(`new grant ${d.regranted.grantId} ${d.regranted.credits}`);
  if (units > 0) back.push(`units back to ${d.windows.map((w) => `${w.window} ${w.units}`).join(' · ')}`);
  return {
    what: `usage [${d.usageId}] reversed [${d.reversalId}] ("${d.reason}"): ${back.join('; ') || 'nothing was charged'}`,
    allowanceUnits: units === 0 ? '' : `-${units} u`,
    credits: d.credits === '0' ? '' : `+${d.credits}`,
  };
}

/** `gpt-5.5:input_tokens ×120000, gpt-5.5:output_tokens ×20000` */
function linesText(lines: readonly HoldLine[]): string {
  return lines.map((l) => `${l.operation} ×${l.quantity}`).join(', ');
}

/** `5 u + 30.52 credits`, `30.52 credits`, `5 u`, or `nothing`. */
function heldText(allowanceUnits: number, credits: string): string {
  const parts = [
    ...(allowanceUnits === 0 ? [] : [`${allowanceUnits} u`]),
    ...(credits === '0' ? [] : [`${credits} credits`]),
  ];
  return parts.join(' + ') || 'nothing';
}

function amountText(amount: HoldSettled['data']['consumed']): string {
  const grants = amount.allocations.length === 0 ? '' : ` (${allocationsText(amount.allocations)})`;
  return `${heldText(amount.allowanceUnits, amount.credits)}${grants}`;
}

/** `5 u + 30.52 credits back to alice-credits-1 30.52`, naming what was written off instead. */
function releasedText(released: Released): string {
  const text = heldText(released.allowanceUnits, released.credits);
  const back = released.allocations.length === 0 ? '' : ` back to ${allocationsText(released.allocations)}`;
  const expired =
    released.expired.length === 0
      ? ''
      : `, written off (grant expired while held): ${allocationsText(released.expired)}`;
  return `${text}${back}${expired}`;
}

function releasedColumns(released: Released): Pick<EventCharge, 'allowanceUnits' | 'credits'> {
  const back = sumOf(released.allocations);
  return {
    allowanceUnits: released.allowanceUnits === 0 ? '' : `[-${released.allowanceUnits} u]`,
    credits: back === 0n ? '' : `[+${formatCredits(back)}]`,
  };
}

function sumOf(allocations: readonly Allocation[]): bigint {
  return allocations.reduce((sum, a) => sum + creditsFromStored(a.credits), 0n);
}

/** `+10`, `-3`, or empty for no change. */
function signed(credits: bigint): string {
  if (credits === 0n) return '';
  return credits > 0n ? `+${formatCredits(credits)}` : formatCredits(credits);
}

export function describeGlobalReset(reset: LimitsReset): string {
  const d = reset.data;
  const who = d.scope === 'all' ? 'every user' : `plan ${d.plan ?? '?'}`;
  return `operator reset ${who}'s limits${d.product ? ` (${d.product})` : ''}: "${d.reason}"`;
}

/** An account's or an organisation pool's alert settings and top-ups (the same events, either stamp). */
export function describeAlertsEvent(event: PoolAlertsEvent<object>): EventCharge {
  const none = { allowanceUnits: '', credits: '' };
  switch (event.type) {
    case 'AlertsSet':
      return {
        what: `alerts: credits below ${event.data.creditsBelow ?? 'off'}, expiring within ${event.data.expiringWithinDays ?? 'off'} days`,
        ...none,
      };
    case 'AutoTopUpSet': {
      const d = event.data;
      return {
        what: `auto top-up ${d.enabled ? 'on' : 'off'}: below ${d.belowCredits} up to ${d.targetCredits}, at most ${d.monthlyLimitCredits}/month`,
        ...none,
      };
    }
    case 'TopUpRequested':
      return { what: `top-up [${event.data.topUpId}] of ${event.data.credits} credits requested`, ...none };
    case 'TopUpFailed':
      return {
        what: `top-up [${event.data.topUpId}] failed ("${event.data.reason}"), ${event.data.failuresInARow} in a row`,
        ...none,
      };
    case 'AutoTopUpDisabled':
      return { what: `auto top-up turned off after ${event.data.failuresInARow} failures in a row`, ...none };
  }
}
