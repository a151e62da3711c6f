import { orgBooksOf, type LoggedEvent } from './support/org-load';

// The checks the organisations reliability suites rest on (support/org-load.ts orgBooksOf), each
// shown to catch what it is for on a small hand-written log: a clean history passes; an overdrawn
// pool, a reservation past the member's limit, a usage charged otherwise than the pool settled, a
// settlement with no usage, a reservation still open past its expiry and an expiry without the
// member's PoolReservationLapsed are each reported.
const ORG = 'organization-acme';
const NOW = Date.parse('2026-11-10T12:00:00.000Z');
const LATER = '2026-11-10T12:10:00.000Z';

const org = (type: string, data: Record<string, unknown>): LoggedEvent => ({ stream: ORG, type, data });
const member = (accountId: string, type: string, data: Record<string, unknown>): LoggedEvent => ({
  stream: `account-${accountId}`,
  type,
  data,
});

const setUp: LoggedEvent[] = [
  org('OrganizationOpened', { plan: 'business', name: 'Acme' }),
  org('MemberAdded', { accountId: 'ann', group: 'eng' }),
  org('MemberAdded', { accountId: 'bob', group: null }),
  org('OrgCreditsPurchased', { purchaseId: 'p-1', credits: '10' }),
  org('SpendLimitSet', { level: 'default', key: null, creditsPerMonth: '3' }),
  org('SpendLimitSet', { level: 'group', key: 'eng', creditsPerMonth: '8' }),
];
const reserve = (holdId: string, accountId: string, credits: string): LoggedEvent =>
  org('MemberSpendReserved', {
    holdId,
    accountId,
    usageId: `u-${holdId}`,
    month: '2026-11',
    credits,
    allocations: [{ grantId: 'p-1', credits }],
    expiresAt: LATER,
  });
const settle = (holdId: string, accountId: string, credits: string, released: string): LoggedEvent =>
  org('MemberSpendSettled', {
    holdId,
    accountId,
    usageId: `u-${holdId}`,
    month: '2026-11',
    credits,
    released: { credits: released, allocations: [] },
  });
const usage = (holdId: string, accountId: string, credits: string): LoggedEvent =>
  member(accountId, 'UsageRecorded', {
    usageId: `u-${holdId}`,
    creditsCharged: credits,
    allocations: [{ grantId: 'p-1', credits }],
    paidBy: { organizationId: 'acme', holdId },
  });
const books = (events: LoggedEvent[], now = NOW) => orgBooksOf(events, 'acme', now).problems;

describe('the organisation books of the reliability suites', () => {
  it('pass a clean history: reservations within limits and pool, settled for what the usage charged', () => {
    const events = [
      ...setUp,
      reserve('h1', 'ann', '6'),
      usage('h1', 'ann', '5'),
      settle('h1', 'ann', '5', '1'),
      reserve('h2', 'bob', '3'),
      org('MemberSpendReleased', { holdId: 'h2', accountId: 'bob', released: { credits: '3' } }),
      org('MemberSpendRejected', {
        holdId: 'h3',
        accountId: 'bob',
        month: '2026-11',
        reason: 'member_limit_reached',
        limitSource: 'default',
        limit: '3',
        requiredCredits: '4',
      }),
    ];
    expect(books(events)).toEqual([]);
    const result = orgBooksOf(events, 'acme', NOW);
    expect(result.pool.consumed).toBe(5_000_000n);
    expect(result.memberSpend).toBe(5_000_000n);
    expect(result.spent.get('ann@2026-11')).toBe(5_000_000n);
  });

  it('report a reservation past the member limit, and one the pool could not cover', () => {
    expect(books([...setUp, reserve('h1', 'bob', '4')], Date.parse(LATER))).toEqual([
      'h1: bob reserved 4 with 0 spent in 2026-11: past its limit 3',
      'h1 still open past its expiry 2026-11-10T12:10:00.000Z',
    ]);
    const drained = [...setUp, reserve('h1', 'ann', '8'), reserve('h2', 'bob', '3')];
    expect(books(drained)).toContain('h2: reserved 3 with 2 in the pool');
    expect(books(drained).some((p) => p.startsWith('pool negative (-1)'))).toBe(true);
  });

  it('report a usage charged otherwise than its reservation settled, and a settlement with no usage', () => {
    const mismatch = [
      ...setUp,
      reserve('h1', 'ann', '6'),
      usage('h1', 'ann', '6'),
      settle('h1', 'ann', '5', '1'),
    ];
    expect(books(mismatch)).toEqual([
      'h1: usage charged 6, pool settled 5',
      'members spent 6, the pool was charged 5',
    ]);
    const orphan = [...setUp, reserve('h1', 'ann', '6'), settle('h1', 'ann', '5', '1')];
    expect(books(orphan)).toEqual([
      'h1: settled 5 with no usage of ann paid by it',
      'members spent 0, the pool was charged 5',
    ]);
  });

  it('report an expiry without the member stream lapse, and a usage recorded after a lapse', () => {
    const expired = org('MemberSpendExpired', { holdId: 'h1', accountId: 'ann', released: { credits: '2' } });
    expect(books([...setUp, reserve('h1', 'ann', '2'), expired])).toEqual([
      "h1: expired without PoolReservationLapsed on ann's stream",
    ]);
    const lapsed = member('ann', 'PoolReservationLapsed', { usageId: 'u-h1', holdId: 'h1' });
    expect(books([...setUp, reserve('h1', 'ann', '2'), lapsed, expired])).toEqual([]);
    expect(books([...setUp, reserve('h1', 'ann', '2'), lapsed, usage('h1', 'ann', '2'), expired])).toEqual([
      'h1: usage charged 2 but the reservation was expired',
      'h1: usage recorded after its reservation lapsed',
      'members spent 2, the pool was charged 0',
    ]);
  });

  it('report an unjustified rejection', () => {
    const rejected = org('MemberSpendRejected', {
      holdId: 'h1',
      accountId: 'ann',
      month: '2026-11',
      reason: 'insufficient_credits',
      limitSource: null,
      limit: null,
      requiredCredits: '2',
    });
    expect(books([...setUp, rejected])).toEqual([
      'h1: rejected insufficient_credits for 2 with 10 in the pool',
    ]);
  });
});
