import { utc } from '../format';
import type { TimelineItem, WindowView } from '../ledger-types';

const text = (value: unknown): string => (value === null || value === undefined ? '—' : String(value));

/** One line per event type (SPEC §2), in the words support uses. Unknown types show their type only. */
export function summaryOf(item: TimelineItem): string {
  const d = item.data;
  switch (item.type) {
    case 'AccountOpened':
      return `opened on plan ${text(d.plan)}`;
    case 'PlanChanged':
      return `plan ${text(d.from)} → ${text(d.to)}`;
    case 'UsageRecorded':
      return `${text(d.usageId)}: ${text(d.quantity)} × ${text(d.product)} ${text(d.operation)} — ${text(d.allowanceUnits)} units from windows, ${text(d.creditsCharged)} credits`;
    case 'UsageRejected':
      return `${text(d.usageId)}: ${text(d.quantity)} × ${text(d.product)} ${text(d.operation)} refused (${text(d.reason)}, needed ${text(d.requiredCredits)} credits)`;
    case 'CreditsPurchased':
      return `+${text(d.credits)} credits bought (${text(d.purchaseId)})`;
    case 'CreditsGranted':
      return `+${text(d.credits)} credits granted (${text(d.grantId)}): ${text(d.reason)}`;
    case 'PurchaseRefunded':
      return `purchase ${text(d.purchaseId)} refunded: ${text(d.reason)}`;
    case 'SpendingCapSet':
      return `spending cap ${d.creditsPerMonth === null ? 'removed' : `${text(d.creditsPerMonth)} credits a month`}`;
    case 'CreditsExpired':
      return `grant ${text(d.grantId)} expired`;
    case 'AccountLimitsReset':
      return `limits reset: ${text(d.reason)}`;
    case 'HoldPlaced':
      return `hold ${text(d.holdId)} placed: ${text(d.allowanceUnits)} units and ${text(d.credits)} credits held, expires ${utc(typeof d.expiresAt === 'string' ? d.expiresAt : null)}`;
    case 'HoldRejected':
      return `hold ${text(d.holdId)} refused (${text(d.reason)}, needed ${text(d.requiredCredits)} credits)`;
    case 'HoldSettled':
      return `${text(d.usageId)}: hold ${text(d.holdId)} settled — ${text(part(d.consumed).credits)} credits from the hold, ${text(part(d.charged).credits)} beyond it, ${text(part(d.released).credits)} released, ${text(part(d.uncollected).credits)} uncollected`;
    case 'HoldReleased':
      return `hold ${text(d.holdId)} released (${text(d.reason)}): ${text(part(d.released).allowanceUnits)} units and ${text(part(d.released).credits)} credits back`;
    case 'HoldExpired':
      return `hold ${text(d.holdId)} expired: ${text(part(d.released).allowanceUnits)} units and ${text(part(d.released).credits)} credits back`;
    case 'UsageReversed':
      return `usage ${text(d.usageId)} reversed (${text(d.reason)}): ${text(d.allowanceUnits)} units and ${text(d.credits)} credits back`;
    case 'AlertsSet':
      return `alerts: credits below ${d.creditsBelow === null ? 'off' : text(d.creditsBelow)}, expiring within ${d.expiringWithinDays === null ? 'off' : `${text(d.expiringWithinDays)} days`}`;
    case 'AutoTopUpSet':
      return d.enabled === true
        ? `auto top-up on: below ${text(d.belowCredits)} buy up to ${text(d.targetCredits)}, at most ${text(d.monthlyLimitCredits)} a month`
        : 'auto top-up off';
    case 'TopUpRequested':
      return `top-up ${text(d.topUpId)} requested: ${text(d.credits)} credits (balance ${text(d.balance)} below ${text(d.belowCredits)})`;
    case 'TopUpFailed':
      return `top-up ${text(d.topUpId)} failed (${text(d.reason)}), ${text(d.failuresInARow)} in a row`;
    case 'AutoTopUpDisabled':
      return `auto top-up turned itself off after ${text(d.failuresInARow)} failures in a row`;
    case 'OrganizationOpened':
      return `organisation opened on plan ${text(d.plan)}: ${text(d.name)}`;
    case 'MemberAdded':
      return `member ${text(d.accountId)} added${d.group ? ` to group ${text(d.group)}` : ''}`;
    case 'MemberGroupChanged':
      return `member ${text(d.accountId)}: group ${text(d.from ?? 'none')} → ${text(d.group ?? 'none')}`;
    case 'MemberRemoved':
      return `member ${text(d.accountId)} removed`;
    case 'OrgCreditsPurchased':
      return `+${text(d.credits)} credits bought into the pool (${text(d.purchaseId)})`;
    case 'OrgCreditsGranted':
      return `+${text(d.credits)} credits granted to the pool (${text(d.grantId)}): ${text(d.reason)}`;
    case 'OrgCreditsExpired':
      return `pool grant ${text(d.grantId)} expired: ${text(d.credits)} credits`;
    case 'SpendLimitSet': {
      const level = d.level === 'default' ? 'default limit' : `${text(d.level)} ${text(d.key)} limit`;
      const to = d.creditsPerMonth === null ? 'cleared' : `${text(d.creditsPerMonth)} credits a month`;
      return `${level}: ${d.previous === null || d.previous === undefined ? 'none' : text(d.previous)} → ${to}`;
    }
    case 'CreditsRequested':
      return `request ${text(d.requestId)}: ${text(d.accountId)} asks for ${text(d.credits)} credits${d.note ? ` (“${text(d.note)}”)` : ''}`;
    case 'CreditRequestApproved':
      return `request ${text(d.requestId)} approved: ${text(d.accountId)}'s limit for ${text(d.month)} ${text(d.limitBefore ?? 'unlimited')} → ${text(d.override ?? 'unlimited')}`;
    case 'CreditRequestDeclined':
      return `request ${text(d.requestId)} declined (${text(d.accountId)}, ${text(d.credits)} credits)`;
    case 'MemberSpendReserved':
      return `${text(d.usageId)}: ${text(d.credits)} pool credits reserved for ${text(d.accountId)}`;
    case 'MemberSpendRejected':
      return `${text(d.usageId)}: pool refused ${text(d.accountId)} (${text(d.reason)}${d.limit ? `, ${text(d.limitSource)} limit ${text(d.limit)}` : ''}, needed ${text(d.requiredCredits)})`;
    case 'MemberSpendSettled':
      return `${text(d.usageId)}: ${text(d.accountId)} paid ${text(d.credits)} credits from the pool, ${text(part(d.released).credits)} released`;
    case 'MemberSpendReleased':
    case 'MemberSpendExpired':
      return `${text(d.usageId)}: pool reservation for ${text(d.accountId)} ${item.type === 'MemberSpendExpired' ? 'expired' : 'released'}`;
    case 'JoinedOrganization':
      return `joined organisation ${text(d.organizationId)}${d.group ? ` (group ${text(d.group)})` : ''}`;
    case 'LeftOrganization':
      return `left organisation ${text(d.organizationId)}`;
    default:
      return scalarFields(d);
  }
}

/** A sub-record of an event (consumed, charged, released, uncollected), or nothing. */
function part(value: unknown): Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/**
 * An event type this console does not know yet : its own simple fields,
 * as recorded, rather than nothing. Stamps every event carries are left out.
 */
function scalarFields(data: Readonly<Record<string, unknown>>): string {
  const stamp = new Set(['accountId', 'recordedAt', 'rateCardVersion', 'actor', 'fingerprint']);
  return Object.entries(data)
    .filter(([name, value]) => !stamp.has(name) && ['string', 'number', 'boolean'].includes(typeof value))
    .slice(0, 6)
    .map(([name, value]) => `${name} ${String(value)}`)
    .join(' · ');
}

/** "codex 5h 150/150 · codex weekly 160/1500": the open windows. */
export function windowsLine(windows: readonly WindowView[] | undefined): string {
  // An organisation's state has no windows (its members keep their own).
  if (windows === undefined) return '—';
  // Windows not started (nothing used since the last reset) say nothing: they would drown the ones that count.
  const open = windows.filter((w) => w.startedAt !== null || w.used > 0 || (w.held ?? 0) > 0);
  if (open.length === 0) return 'no open windows';
  return open
    .map((w) => `${w.product} ${w.window} ${w.used}/${w.limit}${w.held ? ` (${w.held} held)` : ''}`)
    .join(' · ');
}
