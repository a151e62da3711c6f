import { MINUTE, T0 } from '@ledger/domain/testing/fixtures';
import type { OrgSimulation } from './org-simulation';

export const ORG_ID = 'org-1';
const ORG = ORG_ID;
const ALICE = 'alice';
const BOB = 'bob';
const NOVEMBER = T0; // 2026-11-03T10:00Z

/**
 * One organisation's month: a pool of a promotional grant (burned first) and a purchase; alice
 * (group research, limit 12) and bob (default limit 30) spend from it; bob's second reservation is
 * released, his third left open (a crash between reserve and usage), his fourth lapses and expires;
 * alice is refused at her group limit, asks for 10 more, is approved, and spends again.
 */
export async function orgMonth(org: OrgSimulation): Promise<void> {
  const ledger = org.ledger;
  let t = NOVEMBER;
  const at = () => (t += MINUTE);
  for (const accountId of [ALICE, BOB]) await ledger.run('OpenAccount', { accountId, plan: 'plus' }, at());
  // Alice's own credits: untouched while she is a member.
  await ledger.run(
    'PurchaseCredits',
    {
      purchaseId: 'alice-own',
      accountId: ALICE,
      credits: '50',
      amountPaid: { amountMinor: 500, currency: 'USD' },
    },
    at(),
  );
  await org.run('OpenOrganization', { organizationId: ORG, plan: 'pro', name: 'Acme' }, at());
  await org.run(
    'PurchaseOrgCredits',
    {
      purchaseId: 'org-p-1',
      organizationId: ORG,
      credits: '100',
      amountPaid: { amountMinor: 1000, currency: 'USD' },
    },
    at(),
  );
  await org.run(
    'GrantOrgCredits',
    { grantId: 'org-g-1', organizationId: ORG, credits: '20', reason: 'welcome', priority: 50 },
    at(),
  );
  await org.addMember(ORG, ALICE, 'research', at());
  await org.addMember(ORG, BOB, undefined, at());
  await org.run('SetSpendLimit', { organizationId: ORG, level: 'default', creditsPerMonth: '30' }, at());
  await org.run(
    'SetSpendLimit',
    { organizationId: ORG, level: 'group', key: 'research', creditsPerMonth: '12' },
    at(),
  );
  // 102 messages on plan pro: 100 from the 5h window, 2 × 5 credits from the pool.
  await org.memberUsage(
    ORG,
    ALICE,
    { usageId: 'a-1', operation: 'local_message', quantity: 102, credits: '10' },
    at(),
  );
  await org.memberUsage(
    ORG,
    BOB,
    { usageId: 'b-1', operation: 'local_message', quantity: 102, credits: '10' },
    at(),
  );
  const b2 = `member-usage:${BOB}:b-2`;
  await org.run('ReserveMemberSpend', reservation(BOB, 'b-2', '5', t), at());
  await org.run('ReleaseMemberSpend', { organizationId: ORG, holdId: b2, reason: 'usage failed' }, at());
  await org.run('ReserveMemberSpend', reservation(BOB, 'b-3', '5', t), at());
  const b4 = reservation(BOB, 'b-4', '5', t);
  await org.run('ReserveMemberSpend', b4, at());
  t += 11 * MINUTE;
  await ledger.run(
    'LapsePoolReservation',
    { accountId: BOB, organizationId: ORG, usageId: 'b-4', holdId: b4.holdId },
    at(),
  );
  await org.run('ExpireMemberSpend', { organizationId: ORG, holdId: b4.holdId }, at());
  // Alice at 10 of 12: 5 more is refused at her group's limit.
  await org.memberUsage(
    ORG,
    ALICE,
    { usageId: 'a-2', operation: 'local_message', quantity: 1, credits: '5' },
    at(),
  );
  await org.run(
    'RequestCredits',
    { requestId: 'r-1', organizationId: ORG, accountId: ALICE, credits: '10', note: 'deadline' },
    at(),
  );
  await org.run('DecideCreditRequest', { requestId: 'r-1', organizationId: ORG, approve: true }, at());
  await org.run(
    'RequestCredits',
    { requestId: 'r-2', organizationId: ORG, accountId: BOB, credits: '1' },
    at(),
  );
  await org.memberUsage(
    ORG,
    ALICE,
    { usageId: 'a-3', operation: 'local_message', quantity: 1, credits: '5' },
    at(),
  );
}

function reservation(accountId: string, usageId: string, credits: string, now: number) {
  return {
    organizationId: ORG,
    accountId,
    usageId,
    holdId: `member-usage:${accountId}:${usageId}`,
    product: 'codex',
    credits,
    expiresAt: new Date(now + 10 * MINUTE).toISOString(),
  };
}
