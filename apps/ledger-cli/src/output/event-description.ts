import type { AccountEvent, Allocation, LimitsReset, WindowSnapshot } from '@ledger/domain';
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

/** `codex 5h 150/150 · weekly 150/1500` for the windows in use, grouped by product. */
export function windowsText(windows: readonly WindowSnapshot[]): string {
  const byProduct = new Map<string, string[]>();
  for (const w of windows.filter((w) => w.used > 0)) {
    byProduct.set(w.product, [...(byProduct.get(w.product) ?? []), `${w.window} ${w.used}/${w.limit}`]);
  }
  if (byProduct.size === 0) return '—';
  return [...byProduct].map(([product, used]) => `${product} ${used.join(' · ')}`).join('; ');
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
    default:
      // Issue 17 (HOLDS-STATUS.md): a plain line until the CLI describes holds properly.
      return {
        what: `${event.type} ${'holdId' in event.data ? event.data.holdId : event.data.usageId}`,
        ...none,
      };
  }
}

export function describeGlobalReset(reset: LimitsReset): string {
  const d = reset.data;
  const who = d.scope === 'all' ? 'every user' : `plan ${d.plan ?? '?'}`;
  return `operator reset ${who}'s limits${d.product ? ` (${d.product})` : ''}: "${d.reason}"`;
}
