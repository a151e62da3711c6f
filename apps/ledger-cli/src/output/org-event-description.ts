import type { OrganizationEvent } from '@ledger/domain';
import { allocationsText, type EventCharge } from './event-description';
import { shortTime } from './text-format';

/**
 * An organisation's event as a row of a MEMBER's timeline (the pool charges it caused): the
 * member's own balance does not move (the pool pays), so the credits column shows what the pool
 * set aside or spent in brackets — `[pool -5]` reserved or spent, `[pool +2]` given back.
 */
export function describeOrgEvent(event: OrganizationEvent): EventCharge {
  const none = { allowanceUnits: '', credits: '' };
  const org = event.data.organizationId;
  switch (event.type) {
    case 'OrganizationOpened':
      return { what: `organization ${org} "${event.data.name}" opened on plan ${event.data.plan}`, ...none };
    case 'MemberAdded':
      return { what: `added to ${org}${groupText(event.data.group)}`, ...none };
    case 'MemberGroupChanged':
      return { what: `moved in ${org} to${groupText(event.data.group) || ' no group'}`, ...none };
    case 'MemberRemoved':
      return { what: `removed from ${org}`, ...none };
    case 'CreditsRequested':
      return {
        what: `asked ${org} for ${event.data.credits} credits [${event.data.requestId}]${event.data.note ? ` ("${event.data.note}")` : ''}`,
        ...none,
      };
    case 'CreditRequestApproved': {
      const d = event.data;
      const limit =
        d.override === null ? 'unlimited, unchanged' : `${d.limitBefore ?? 'unlimited'} → ${d.override}`;
      return { what: `request [${d.requestId}] approved: limit in ${d.month} ${limit}`, ...none };
    }
    case 'CreditRequestDeclined':
      return { what: `request [${event.data.requestId}] declined`, ...none };
    case 'MemberSpendReserved': {
      const d = event.data;
      return {
        what: `pool of ${org} reserves ${d.credits} credits for usage [${d.usageId}] (${allocationsText(d.allocations)}) until ${shortTime(d.expiresAt)}`,
        ...none,
        credits: `[pool -${d.credits}]`,
      };
    }
    case 'MemberSpendRejected': {
      const d = event.data;
      const limit = d.limitSource === null ? '' : ` (${d.limitSource} limit ${d.limit ?? '?'})`;
      return {
        what: `pool of ${org} refuses usage [${d.usageId}]: ${d.reason}${limit}, needs ${d.requiredCredits} credits`,
        ...none,
      };
    }
    case 'MemberSpendSettled': {
      const d = event.data;
      const back = d.released.credits === '0' ? '' : `; ${d.released.credits} back to the pool`;
      return {
        what: `pool of ${org} charged ${d.credits} credits for usage [${d.usageId}]${d.allocations.length === 0 ? '' : ` (${allocationsText(d.allocations)})`}${back}`,
        ...none,
        credits: d.released.credits === '0' ? '' : `[pool +${d.released.credits}]`,
      };
    }
    case 'MemberSpendReleased':
    case 'MemberSpendExpired': {
      const d = event.data;
      const how = event.type === 'MemberSpendReleased' ? 'released' : 'expired';
      return {
        what: `pool reservation [${d.holdId}] ${how}: ${d.released.credits} credits back to ${org}`,
        ...none,
        credits: d.released.credits === '0' ? '' : `[pool +${d.released.credits}]`,
      };
    }
    default:
      return { what: `${event.type} in ${org}`, ...none };
  }
}

function groupText(group: string | null): string {
  return group === null ? '' : ` (group ${group})`;
}
