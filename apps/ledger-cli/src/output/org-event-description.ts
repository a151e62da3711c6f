import type { OrganizationEvent } from '@ledger/domain';
import { allocationsText, describeAlertsEvent, money, type EventCharge } from './event-description';
import { shortTime } from './text-format';

/**
 * An organisation's event in words, for the organisation's timeline and as a row of a member's
 * (the pool charges it caused). In a member's timeline its own balance does not move (the pool
 * pays), so the credits column shows what the pool set aside in brackets — `[pool -5]` reserved,
 * `[pool +2]` given back.
 */
export function describeOrgEvent(event: OrganizationEvent): EventCharge {
  const none = { allowanceUnits: '', credits: '' };
  const org = event.data.organizationId;
  switch (event.type) {
    case 'OrganizationOpened':
      return { what: `organization ${org} "${event.data.name}" opened on plan ${event.data.plan}`, ...none };
    case 'MemberAdded':
      return { what: `${event.data.accountId} added to ${org}${groupText(event.data.group)}`, ...none };
    case 'MemberGroupChanged':
      return {
        what: `${event.data.accountId} moved in ${org} to${groupText(event.data.group) || ' no group'}`,
        ...none,
      };
    case 'MemberRemoved':
      return { what: `${event.data.accountId} removed from ${org}`, ...none };
    case 'OrgCreditsPurchased': {
      const d = event.data;
      return {
        what: `pool bought ${d.purchaseId} ${d.credits} credits for ${money(d.amountPaid.amountMinor, d.amountPaid.currency)}${d.expiresAt === null ? '' : `, expires ${shortTime(d.expiresAt)}`}`,
        ...none,
      };
    }
    case 'OrgCreditsGranted': {
      const d = event.data;
      return {
        what: `pool granted ${d.grantId} ${d.credits} credits ("${d.reason}", priority ${d.priority})${d.expiresAt === null ? '' : `, expires ${shortTime(d.expiresAt)}`}`,
        ...none,
      };
    }
    case 'OrgCreditsExpired':
      return {
        what: `pool grant ${event.data.grantId} expired: ${event.data.credits} credits written off`,
        ...none,
      };
    case 'SpendLimitSet': {
      const d = event.data;
      const level = d.level === 'default' ? 'default' : `${d.level} ${d.key ?? '?'}`;
      return {
        what: `spend limit (${level}): ${d.previous ?? 'none'} → ${d.creditsPerMonth ?? 'none'} credits/month`,
        ...none,
      };
    }
    case 'CreditsRequested':
      return {
        what: `${event.data.accountId} asked ${org} for ${event.data.credits} credits [${event.data.requestId}]${event.data.note ? ` ("${event.data.note}")` : ''}`,
        ...none,
      };
    case 'CreditRequestApproved': {
      const d = event.data;
      const limit =
        d.override === null ? 'unlimited, unchanged' : `${d.limitBefore ?? 'unlimited'} → ${d.override}`;
      return {
        what: `request [${d.requestId}] of ${d.accountId} approved: limit in ${d.month} ${limit}`,
        ...none,
      };
    }
    case 'CreditRequestDeclined':
      return { what: `request [${event.data.requestId}] of ${event.data.accountId} declined`, ...none };
    case 'MemberSpendReserved': {
      const d = event.data;
      return {
        what: `pool of ${org} reserves ${d.credits} credits for usage [${d.usageId}] of ${d.accountId} (${allocationsText(d.allocations)}) until ${shortTime(d.expiresAt)}`,
        ...none,
        credits: `[pool -${d.credits}]`,
      };
    }
    case 'MemberSpendRejected': {
      const d = event.data;
      const limit = d.limitSource === null ? '' : ` (${d.limitSource} limit ${d.limit ?? '?'})`;
      return {
        what: `pool of ${org} refuses usage [${d.usageId}] of ${d.accountId}: ${d.reason}${limit}, needs ${d.requiredCredits} credits`,
        ...none,
      };
    }
    case 'MemberSpendSettled': {
      const d = event.data;
      const back = d.released.credits === '0' ? '' : `; ${d.released.credits} back to the pool`;
      return {
        what: `pool of ${org} charged ${d.credits} credits for usage [${d.usageId}] of ${d.accountId}${d.allocations.length === 0 ? '' : ` (${allocationsText(d.allocations)})`}${back}`,
        ...none,
        credits: d.released.credits === '0' ? '' : `[pool +${d.released.credits}]`,
      };
    }
    case 'MemberSpendReleased':
    case 'MemberSpendExpired': {
      const d = event.data;
      const how = event.type === 'MemberSpendReleased' ? 'released' : 'expired';
      return {
        what: `pool reservation [${d.holdId}] of ${d.accountId} ${how}: ${d.released.credits} credits back to ${org}`,
        ...none,
        credits: d.released.credits === '0' ? '' : `[pool +${d.released.credits}]`,
      };
    }
    case 'AlertsSet':
    case 'AutoTopUpSet':
    case 'TopUpRequested':
    case 'TopUpFailed':
    case 'AutoTopUpDisabled':
      return describeAlertsEvent(event);
  }
}

function groupText(group: string | null): string {
  return group === null ? '' : ` (group ${group})`;
}
