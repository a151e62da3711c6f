import { utc } from '../format';
import type { NotificationView } from '../ledger-types';

const text = (value: unknown): string => (value === null || value === undefined ? '—' : String(value));
const time = (value: unknown): string => utc(typeof value === 'string' ? value : null);

/** What each kind is called on the page (SPEC §8). A kind not listed here shows its own name. */
const KIND_LABELS: Readonly<Record<string, string>> = {
  'window.threshold': 'Window threshold',
  'credits.low': 'Credits low',
  'credits.depleted': 'Credits depleted',
  'credits.expiring': 'Credits expiring',
  'spending_cap.reached': 'Spending cap reached',
  'member_limit.reached': 'Member limit reached',
  'hold.expired': 'Hold expired',
  'topup.requested': 'Top-up requested',
  'topup.failed': 'Top-up failed',
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** The usage or the hold a refusal was about. */
function refused(d: Readonly<Record<string, unknown>>): string {
  if (typeof d.usageId === 'string') return `usage ${d.usageId}`;
  if (typeof d.holdId === 'string') return `hold ${d.holdId}`;
  return 'a usage';
}

/**
 * One line per notification, from its `data` (API.md gives the fields of each kind), in the words
 * support uses. A kind or a field this console does not know shows as recorded, never as nothing.
 */
export function notificationSummary(n: NotificationView): string {
  const d = n.data;
  switch (n.kind) {
    case 'window.threshold':
      return `${text(d.product)} ${text(d.window)} window ${text(d.usedPercent)}% used (threshold ${text(d.thresholdPercent)}%), resets ${time(d.resetsAt)}`;
    case 'credits.low':
      return `balance ${text(d.balance)} credits, below the alert threshold of ${text(d.threshold)}`;
    case 'credits.depleted':
      return `${refused(d)} refused for lack of credits (needed ${text(d.requiredCredits)})`;
    case 'credits.expiring':
      return `grant ${text(d.grantId)}: ${text(d.remaining)} credits expire ${time(d.expiresAt)}`;
    case 'spending_cap.reached':
      return `${refused(d)} refused by the spending cap of ${text(d.creditsPerMonth)} credits a month (needed ${text(d.requiredCredits)})`;
    case 'member_limit.reached':
      return `${refused(d)} refused by the member limit of ${text(d.limit)} credits a month (${text(d.limitSource)} limit)`;
    case 'hold.expired':
      return `hold ${text(d.holdId)} expired (${time(d.expiresAt)}): what it held is back`;
    case 'topup.requested':
      return `top-up ${text(d.topUpId)} requested: ${text(d.credits)} credits`;
    case 'topup.failed': {
      const off = d.autoTopUpTurnedOff === true ? '; auto top-up turned itself off' : '';
      return `top-up ${text(d.topUpId)} failed (${text(d.reason)}), ${text(d.failuresInARow)} in a row${off}`;
    }
    default:
      return Object.entries(d)
        .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))
        .slice(0, 6)
        .map(([name, value]) => `${name} ${String(value)}`)
        .join(' · ');
  }
}

/**
 * The cursor that starts a notifications page at a log position: the API's cursor is
 * `<position>.<ordinal>` (its OpenAPI description; ordinals are at most 6 digits), and a page holds
 * what comes after it — so the last ordinal of the position before starts at `position` itself.
 */
export function notificationCursorAt(position: string): string | undefined {
  const p = BigInt(position);
  return p > 0n ? `${(p - 1n).toString()}.999999` : undefined;
}

/** A delivery's state in one line: "pending · 2 attempts, last answer 500, next 2026-… UTC". */
export function deliveryStateText(d: {
  readonly status: string;
  readonly attempts: number;
  readonly lastStatusCode: number | null;
  readonly lastError?: string | null;
  readonly nextAttemptAt: string | null;
}): string {
  if (d.status === 'pending' && d.attempts === 0) return 'pending · queued, not attempted yet';
  const attempts = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
  const last =
    d.lastStatusCode !== null
      ? `, last answer ${d.lastStatusCode}`
      : d.lastError
        ? `, last error: ${d.lastError}`
        : '';
  const next = d.status === 'pending' && d.nextAttemptAt !== null ? `, next ${utc(d.nextAttemptAt)}` : '';
  return `${d.status} · ${attempts}${last}${next}`;
}
