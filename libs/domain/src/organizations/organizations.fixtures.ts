import type { Allocation } from '../account/events';
import { context as accountContext, MINUTE, T0 } from '../testing/fixtures';
import { DeciderSpecification } from '../testing/decider-specification';
import { isoOf } from '../time';
import type { OrganizationCommand } from './commands';
import { organizationDecider } from './decide';
import type { OrganizationDecisionContext } from './decision';
import type { OrganizationEvent } from './events';
import { foldOrganization } from './state';

/** Test-only: organisation command builders over the shared test rate card (plans free/plus/pro). */
export const ORG = 'org-1';
export const orgContext: OrganizationDecisionContext = { rateCard: accountContext.rateCard };
export const orgSpec = () => DeciderSpecification.for(organizationDecider, orgContext);

type CommandOf<T extends OrganizationCommand['type']> = Extract<OrganizationCommand, { type: T }>;

function command<T extends OrganizationCommand['type']>(
  type: T,
  data: Omit<CommandOf<T>['data'], 'organizationId'>,
  now: number,
): CommandOf<T> {
  const full = { organizationId: ORG, ...data };
  return {
    type,
    data: full,
    metadata: { now, fingerprint: `fp:${type}:${JSON.stringify(full)}`, actor: 'tester' },
  } as unknown as CommandOf<T>;
}

export const openOrg = (plan = 'pro', name = 'Acme', now = T0) =>
  command('OpenOrganization', { plan, name }, now);
export const addMember = (accountId: string, group?: string, now = T0) =>
  command('AddMember', group === undefined ? { accountId } : { accountId, group }, now);
export const removeMember = (accountId: string, now = T0) => command('RemoveMember', { accountId }, now);
export const orgPurchase = (
  purchaseId: string,
  credits: string,
  options: { now?: number; expiresAt?: string; products?: readonly string[] } = {},
) => {
  const { now = T0, ...rest } = options;
  return command(
    'PurchaseOrgCredits',
    { purchaseId, credits, amountPaid: { amountMinor: 1000, currency: 'USD' }, ...rest },
    now,
  );
};
export const orgGrant = (
  grantId: string,
  credits: string,
  options: { now?: number; expiresAt?: string; priority?: number; products?: readonly string[] } = {},
) => {
  const { now = T0, ...rest } = options;
  return command('GrantOrgCredits', { grantId, credits, reason: 'promo', ...rest }, now);
};
export const expireOrgCredits = (now = T0) => command('ExpireOrgCredits', {}, now);
export const setLimit = (
  level: 'default' | 'group' | 'member',
  key: string | undefined,
  creditsPerMonth: string | null,
  now = T0,
) =>
  command(
    'SetSpendLimit',
    key === undefined ? { level, creditsPerMonth } : { level, key, creditsPerMonth },
    now,
  );
export const setOrgAlerts = (creditsBelow: string | null, expiringWithinDays: number | null, now = T0) =>
  command('SetOrgAlerts', { creditsBelow, expiringWithinDays }, now);
export const setOrgAutoTopUp = (
  belowCredits: string,
  targetCredits: string,
  monthlyLimitCredits: string,
  enabled = true,
  now = T0,
) => command('SetOrgAutoTopUp', { enabled, belowCredits, targetCredits, monthlyLimitCredits }, now);
export const orgTopUpFailure = (topUpId: string, now = T0, reason = 'card declined') =>
  command('RecordOrgTopUpFailure', { topUpId, reason }, now);
export const requestCredits = (requestId: string, accountId: string, credits: string, now = T0) =>
  command('RequestCredits', { requestId, accountId, credits }, now);
export const decideRequest = (requestId: string, approve: boolean, now = T0) =>
  command('DecideCreditRequest', { requestId, approve }, now);
export const reserve = (
  holdId: string,
  accountId: string,
  credits: string,
  options: { now?: number; usageId?: string; product?: string; ttl?: number } = {},
) => {
  const { now = T0, usageId = `use-${holdId}`, product = 'codex', ttl = 10 * MINUTE } = options;
  return command(
    'ReserveMemberSpend',
    { accountId, usageId, holdId, product, credits, expiresAt: isoOf(now + ttl) },
    now,
  );
};
export const settle = (holdId: string, credits: string, now = T0, usageId = `use-${holdId}`) =>
  command('SettleMemberSpend', { holdId, usageId, credits }, now);
export const release = (holdId: string, now = T0, reason = 'usage refused') =>
  command('ReleaseMemberSpend', { holdId, reason }, now);
export const expireReservation = (holdId: string, now = T0) => command('ExpireMemberSpend', { holdId }, now);

/** "Given these commands happened": their events, each decided on the state before it. */
export function orgHistory(commands: readonly OrganizationCommand[]): OrganizationEvent[] {
  const events: OrganizationEvent[] = [];
  for (const cmd of commands) {
    const decision = organizationDecider.decide(cmd, foldOrganization(events), orgContext);
    if (decision.kind !== 'events')
      throw new Error(`orgHistory: ${cmd.type} gave ${JSON.stringify(decision)}`);
    events.push(...decision.events);
  }
  return events;
}

export const allocation = (grantId: string, credits: string): Allocation => ({ grantId, credits });
