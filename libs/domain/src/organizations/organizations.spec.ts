import { DAY, HOUR, MINUTE, T0 } from '../testing/fixtures';
import { isoOf } from '../time';
import { organizationDecider } from './decide';
import type { OrganizationDecision } from './decision';
import { effectiveLimit, memberSpentThisMonth } from './limits';
import {
  addMember,
  decideRequest,
  expireOrgCredits,
  expireReservation,
  openOrg,
  ORG,
  orgContext,
  orgGrant,
  orgHistory,
  orgPurchase,
  orgSpec,
  release,
  removeMember,
  requestCredits,
  reserve,
  setLimit,
  settle,
} from './organizations.fixtures';
import { foldOrganization, memberReservationsDue, reservationStatusOf } from './state';
import { organizationView } from './view';

const stamp = { organizationId: ORG, recordedAt: isoOf(T0), rateCardVersion: 'test-1', actor: 'tester' };
const types = (d: OrganizationDecision) => (d.kind === 'events' ? d.events.map((e) => e.type) : d);

describe('OpenOrganization', () => {
  it('opens with a rate-card plan and a name', () => {
    orgSpec()
      .given([])
      .when(openOrg())
      .then([
        {
          type: 'OrganizationOpened',
          data: { ...stamp, plan: 'pro', name: 'Acme', fingerprint: openOrg().metadata.fingerprint },
        },
      ]);
  });
  it('replays the same opening and refuses another', () => {
    orgSpec()
      .given(orgHistory([openOrg()]))
      .when(openOrg('pro', 'Acme', T0 + HOUR))
      .thenReplay(0);
    orgSpec()
      .given(orgHistory([openOrg()]))
      .when(openOrg('plus'))
      .thenError('conflict');
  });
  it('names every bad field, appending nothing', () => {
    orgSpec().given([]).when(openOrg('gold', ' ')).thenError('invalid', ['plan', 'name']);
  });
  it('refuses every other command before the organisation is open', () => {
    orgSpec().given([]).when(addMember('a-1')).thenError('not_found');
  });
});

describe('AddMember / RemoveMember', () => {
  const given = () => orgHistory([openOrg(), addMember('a-1', 'eng')]);
  it('adds a member with its group', () => {
    orgSpec()
      .given(orgHistory([openOrg()]))
      .when(addMember('a-1', 'eng'))
      .then([{ type: 'MemberAdded', data: { ...stamp, accountId: 'a-1', group: 'eng' } }]);
  });
  it('is idempotent for the same group and records a group change', () => {
    orgSpec().given(given()).when(addMember('a-1', 'eng')).thenNothing();
    orgSpec()
      .given(given())
      .when(addMember('a-1'))
      .then([{ type: 'MemberGroupChanged', data: { ...stamp, accountId: 'a-1', from: 'eng', group: null } }]);
  });
  it('refuses a bad account id or group', () => {
    orgSpec().given(given()).when(addMember('a 1', 'e/g')).thenError('invalid', ['accountId', 'group']);
  });
  it('removes a member; removing a non-member appends nothing', () => {
    orgSpec()
      .given(given())
      .when(removeMember('a-1'))
      .then([{ type: 'MemberRemoved', data: { ...stamp, accountId: 'a-1', group: 'eng' } }]);
    orgSpec().given(given()).when(removeMember('a-2')).thenNothing();
  });
});

describe('PurchaseOrgCredits / GrantOrgCredits (the pool)', () => {
  const given = () => orgHistory([openOrg()]);
  it('puts purchases and grants in the pool, with the default expiry for purchases', () => {
    orgSpec()
      .given(given())
      .when(orgPurchase('p-1', '100.5'))
      .thenMatches([
        {
          type: 'OrgCreditsPurchased',
          data: { purchaseId: 'p-1', credits: '100.5', expiresAt: isoOf(T0 + 30 * DAY), priority: 100 },
        },
      ]);
    orgSpec()
      .given(given())
      .when(orgGrant('g-1', '5', { priority: 10 }))
      .thenMatches([
        { type: 'OrgCreditsGranted', data: { grantId: 'g-1', credits: '5', expiresAt: null, priority: 10 } },
      ]);
  });
  it('replays the same purchase id and payload; another payload is a 409', () => {
    const h = orgHistory([openOrg(), orgPurchase('p-1', '100')]);
    orgSpec()
      .given(h)
      .when(orgPurchase('p-1', '100', { now: T0 + HOUR }))
      .thenReplay(1);
    orgSpec().given(h).when(orgPurchase('p-1', '200')).thenError('conflict');
    orgSpec().given(h).when(orgGrant('p-1', '1')).thenError('conflict');
  });
  it('names bad fields', () => {
    orgSpec()
      .given(given())
      .when(orgPurchase('p-1', '-1', { expiresAt: 'tomorrow' }))
      .thenError('invalid', ['credits', 'expiresAt']);
    orgSpec()
      .given(given())
      .when(orgGrant('g-1', '1.0000001', { products: ['dalle'] }))
      .thenError('invalid', ['credits', 'products.0']);
  });
});

describe('SetSpendLimit — levels, clearing, the most specific wins', () => {
  const given = () => orgHistory([openOrg(), addMember('a-1', 'eng'), addMember('a-2')]);
  it('sets and clears each level; the effective limit follows the most specific one', () => {
    const h = orgHistory([
      openOrg(),
      addMember('a-1', 'eng'),
      setLimit('default', undefined, '10'),
      setLimit('group', 'eng', '20'),
      setLimit('member', 'a-1', '30'),
    ]);
    const at = (events: typeof h) => effectiveLimit(foldOrganization(events), 'a-1', T0);
    expect(at(h)).toEqual({ limit: 30_000_000n, source: 'member' });
    const noMember = [...h, ...orgHistoryFrom(h, [setLimit('member', 'a-1', null)])];
    expect(at(noMember)).toEqual({ limit: 20_000_000n, source: 'group' });
    const noGroup = [...noMember, ...orgHistoryFrom(noMember, [setLimit('group', 'eng', null)])];
    expect(at(noGroup)).toEqual({ limit: 10_000_000n, source: 'default' });
    const none = [...noGroup, ...orgHistoryFrom(noGroup, [setLimit('default', undefined, null)])];
    expect(at(none)).toEqual({ limit: null, source: null });
  });
  it('records the previous value, and appends nothing for the value a level already has', () => {
    const h = orgHistory([openOrg(), setLimit('default', undefined, '10')]);
    orgSpec()
      .given(h)
      .when(setLimit('default', undefined, '12.5'))
      .then([
        {
          type: 'SpendLimitSet',
          data: { ...stamp, level: 'default', key: null, creditsPerMonth: '12.5', previous: '10' },
        },
      ]);
    orgSpec()
      .given(h)
      .when(setLimit('default', undefined, '10.000000'))
      .thenNothing();
  });
  it('refuses bad input, naming the fields, and a member limit for a non-member', () => {
    orgSpec()
      .given(given())
      .when(setLimit('default', 'x', '-1'))
      .thenError('invalid', ['key', 'creditsPerMonth']);
    orgSpec()
      .given(given())
      .when(setLimit('group', undefined, '1'))
      .thenError('invalid', ['key']);
    orgSpec()
      .given(given())
      .when(setLimit('team' as 'group', 'x', '1'))
      .thenError('invalid', ['level']);
    orgSpec()
      .given(given())
      .when(setLimit('member', 'a-9', '1'))
      .thenError('conflict');
  });
});

/** Decides `commands` after `history` (a helper for chains of given/when). */
function orgHistoryFrom(history: ReturnType<typeof orgHistory>, commands: Parameters<typeof orgHistory>[0]) {
  const events = [...history];
  for (const cmd of commands) {
    const d = organizationDecider.decide(cmd, foldOrganization(events), orgContext);
    if (d.kind !== 'events') throw new Error(JSON.stringify(d));
    events.push(...d.events);
  }
  return events.slice(history.length);
}

describe('RequestCredits / DecideCreditRequest', () => {
  const base = () => orgHistory([openOrg(), addMember('a-1', 'eng'), setLimit('group', 'eng', '20')]);
  it('records a pending request of a member; a non-member is a 409', () => {
    orgSpec()
      .given(base())
      .when(requestCredits('r-1', 'a-1', '5'))
      .thenMatches([
        { type: 'CreditsRequested', data: { requestId: 'r-1', accountId: 'a-1', credits: '5', note: null } },
      ]);
    orgSpec()
      .given(base())
      .when(requestCredits('r-1', 'a-2', '5'))
      .thenError('conflict');
    orgSpec()
      .given(base())
      .when(requestCredits('r 1', 'a-1', '0'))
      .thenError('invalid', ['requestId', 'credits']);
  });
  it('approval from a limited member: override = effective limit + credits, this month only', () => {
    const h = orgHistory([
      ...[openOrg(), addMember('a-1', 'eng'), setLimit('group', 'eng', '20')],
      requestCredits('r-1', 'a-1', '5'),
    ]);
    orgSpec()
      .given(h)
      .when(decideRequest('r-1', true))
      .thenMatches([
        {
          type: 'CreditRequestApproved',
          data: { requestId: 'r-1', accountId: 'a-1', month: '2026-11', limitBefore: '20', override: '25' },
        },
      ]);
    const approved = [...h, ...orgHistoryFrom(h, [decideRequest('r-1', true)])];
    const state = foldOrganization(approved);
    expect(effectiveLimit(state, 'a-1', T0)).toEqual({ limit: 25_000_000n, source: 'member' });
    // December 1st, 00:00 UTC: the override is over, the group limit is back.
    const december = Date.parse('2026-12-01T00:00:00.000Z');
    expect(effectiveLimit(state, 'a-1', december - 1)).toEqual({ limit: 25_000_000n, source: 'member' });
    expect(effectiveLimit(state, 'a-1', december)).toEqual({ limit: 20_000_000n, source: 'group' });
  });
  it('approval from an unlimited member changes nothing', () => {
    const h = orgHistory([openOrg(), addMember('a-1'), requestCredits('r-1', 'a-1', '5')]);
    orgSpec()
      .given(h)
      .when(decideRequest('r-1', true))
      .thenMatches([{ type: 'CreditRequestApproved', data: { limitBefore: null, override: null } }]);
    const state = foldOrganization([...h, ...orgHistoryFrom(h, [decideRequest('r-1', true)])]);
    expect(effectiveLimit(state, 'a-1', T0)).toEqual({ limit: null, source: null });
  });
  it('a second approval adds to the month override', () => {
    const h = orgHistory([
      ...[openOrg(), addMember('a-1', 'eng'), setLimit('group', 'eng', '20')],
      requestCredits('r-1', 'a-1', '5'),
      decideRequest('r-1', true),
      requestCredits('r-2', 'a-1', '1.5'),
    ]);
    orgSpec()
      .given(h)
      .when(decideRequest('r-2', true))
      .thenMatches([{ type: 'CreditRequestApproved', data: { limitBefore: '25', override: '26.5' } }]);
  });
  it('declines; a decided request replays the same decision and refuses the other', () => {
    const h = orgHistory([openOrg(), addMember('a-1'), requestCredits('r-1', 'a-1', '5')]);
    orgSpec()
      .given(h)
      .when(decideRequest('r-1', false))
      .thenMatches([{ type: 'CreditRequestDeclined', data: { requestId: 'r-1', accountId: 'a-1' } }]);
    const declined = [...h, ...orgHistoryFrom(h, [decideRequest('r-1', false)])];
    orgSpec().given(declined).when(decideRequest('r-1', false)).thenReplay(h.length);
    orgSpec().given(declined).when(decideRequest('r-1', true)).thenError('conflict');
    orgSpec().given(h).when(decideRequest('r-9', true)).thenError('not_found');
  });
  it('setting the member level replaces an approved month override', () => {
    const h = orgHistory([
      ...[openOrg(), addMember('a-1', 'eng'), setLimit('group', 'eng', '20')],
      requestCredits('r-1', 'a-1', '5'),
      decideRequest('r-1', true),
      setLimit('member', 'a-1', '3'),
    ]);
    expect(effectiveLimit(foldOrganization(h), 'a-1', T0)).toEqual({ limit: 3_000_000n, source: 'member' });
  });
});

describe('ReserveMemberSpend — pool balance and limits, atomically', () => {
  const pool = () =>
    orgHistory([
      openOrg(),
      addMember('a-1', 'eng'),
      addMember('a-2', 'eng'),
      orgGrant('g-cheap', '10', { priority: 10 }),
      orgPurchase('p-1', '100'),
    ]);
  it('reserves in burn order, off the balance, with balance and held after', () => {
    orgSpec()
      .given(pool())
      .when(reserve('h-1', 'a-1', '15'))
      .thenMatches([
        {
          type: 'MemberSpendReserved',
          data: {
            holdId: 'h-1',
            accountId: 'a-1',
            usageId: 'use-h-1',
            product: 'codex',
            month: '2026-11',
            credits: '15',
            allocations: [
              { grantId: 'g-cheap', credits: '10' },
              { grantId: 'p-1', credits: '5' },
            ],
            expiresAt: isoOf(T0 + 10 * MINUTE),
            remainingThisMonth: null,
            balanceAfter: '95',
            heldAfter: '15',
          },
        },
      ]);
  });
  it('open reservations are not available to another reservation', () => {
    const h = orgHistory([
      ...[openOrg(), addMember('a-1'), addMember('a-2')],
      orgPurchase('p-1', '10'),
      reserve('h-1', 'a-1', '8'),
    ]);
    orgSpec()
      .given(h)
      .when(reserve('h-2', 'a-2', '3'))
      .thenMatches([
        {
          type: 'MemberSpendRejected',
          data: {
            reason: 'insufficient_credits',
            limitSource: null,
            limit: null,
            requiredCredits: '3',
            balanceAfter: '2',
            heldAfter: '8',
          },
        },
      ]);
    orgSpec()
      .given(h)
      .when(reserve('h-2', 'a-2', '2'))
      .thenMatches([{ type: 'MemberSpendReserved', data: { balanceAfter: '0' } }]);
  });
  it('refuses past the effective limit, naming its level; open reservations count as spent', () => {
    const h = [
      ...pool(),
      ...orgHistoryFrom(pool(), [setLimit('default', undefined, '30'), setLimit('group', 'eng', '20')]),
    ];
    const withOne = [...h, ...orgHistoryFrom(h, [reserve('h-1', 'a-1', '15')])];
    orgSpec()
      .given(withOne)
      .when(reserve('h-2', 'a-1', '6'))
      .thenMatches([
        {
          type: 'MemberSpendRejected',
          data: {
            reason: 'member_limit_reached',
            limitSource: 'group',
            limit: '20',
            requiredCredits: '6',
            spentThisMonth: '15',
            remainingThisMonth: '5',
          },
        },
      ]);
    // Exactly up to the limit is allowed.
    orgSpec()
      .given(withOne)
      .when(reserve('h-2', 'a-1', '5'))
      .thenMatches([{ type: 'MemberSpendReserved', data: { remainingThisMonth: '0' } }]);
    const member = [...withOne, ...orgHistoryFrom(withOne, [setLimit('member', 'a-1', '15')])];
    orgSpec()
      .given(member)
      .when(reserve('h-2', 'a-1', '0.000001'))
      .thenMatches([{ type: 'MemberSpendRejected', data: { limitSource: 'member', limit: '15' } }]);
  });
  it('checks the limit before the credits (buying would not help)', () => {
    const h = orgHistory([openOrg(), addMember('a-1'), setLimit('default', undefined, '0')]);
    orgSpec()
      .given(h)
      .when(reserve('h-1', 'a-1', '1'))
      .thenMatches([
        {
          type: 'MemberSpendRejected',
          data: { reason: 'member_limit_reached', limitSource: 'default', limit: '0' },
        },
      ]);
  });
  it('a non-member is a 409; the same holdId replays, another payload is a 409', () => {
    orgSpec()
      .given(pool())
      .when(reserve('h-1', 'a-9', '1'))
      .thenError('conflict');
    const h = [...pool(), ...orgHistoryFrom(pool(), [reserve('h-1', 'a-1', '1')])];
    // A retry computes a new expiresAt (and may ask another amount): the first answer still holds.
    orgSpec()
      .given(h)
      .when(reserve('h-1', 'a-1', '2', { now: T0 + MINUTE }))
      .thenReplay(pool().length);
    orgSpec()
      .given(h)
      .when(reserve('h-1', 'a-2', '1'))
      .thenError('conflict');
    orgSpec()
      .given(h)
      .when(reserve('h-1', 'a-1', '1', { usageId: 'other' }))
      .thenError('conflict');
  });
  it('a reservation that ended is not replayed: conflict pool_reservation_closed', () => {
    const h = [...pool(), ...orgHistoryFrom(pool(), [reserve('h-1', 'a-1', '1'), release('h-1')])];
    const d = organizationDecider.decide(reserve('h-1', 'a-1', '1'), foldOrganization(h), orgContext);
    expect(d).toMatchObject({
      kind: 'error',
      error: { code: 'conflict', reason: 'pool_reservation_closed' },
    });
  });
  it('a rejection replays too (the same 402)', () => {
    const h = orgHistory([openOrg(), addMember('a-1'), reserve('h-1', 'a-1', '1')]);
    orgSpec()
      .given(h)
      .when(reserve('h-1', 'a-1', '1', { now: T0 + MINUTE }))
      .thenReplay(2);
  });
  it('names bad fields', () => {
    orgSpec()
      .given(pool())
      .when({
        ...reserve('', 'a 1', '0', { product: 'dalle', ttl: 0 }),
        data: { ...reserve('', 'a 1', '0').data, product: 'dalle', expiresAt: isoOf(T0) },
      })
      .thenError('invalid', ['holdId', 'accountId', 'product', 'credits', 'expiresAt']);
  });
  it('draws only pool grants that apply to the product', () => {
    const h = orgHistory([
      openOrg(),
      addMember('a-1'),
      orgGrant('g-excel', '50', { products: ['chatgpt_excel'] }),
    ]);
    orgSpec()
      .given(h)
      .when(reserve('h-1', 'a-1', '1'))
      .thenMatches([{ type: 'MemberSpendRejected', data: { reason: 'insufficient_credits' } }]);
    orgSpec()
      .given(h)
      .when(reserve('h-1', 'a-1', '1', { product: 'chatgpt_excel' }))
      .thenMatches([{ type: 'MemberSpendReserved' }]);
  });
});

describe('SettleMemberSpend / ReleaseMemberSpend / ExpireMemberSpend', () => {
  const reserved = () =>
    orgHistory([
      openOrg(),
      addMember('a-1'),
      orgGrant('g-1', '4', { priority: 10 }),
      orgPurchase('p-1', '100'),
      reserve('h-1', 'a-1', '10'),
    ]);
  it('settling less than reserved consumes a prefix in burn order and gives the rest back', () => {
    orgSpec()
      .given(reserved())
      .when(settle('h-1', '6.5'))
      .thenMatches([
        {
          type: 'MemberSpendSettled',
          data: {
            holdId: 'h-1',
            accountId: 'a-1',
            usageId: 'use-h-1',
            month: '2026-11',
            credits: '6.5',
            allocations: [
              { grantId: 'g-1', credits: '4' },
              { grantId: 'p-1', credits: '2.5' },
            ],
            released: { credits: '3.5', allocations: [{ grantId: 'p-1', credits: '3.5' }] },
            balanceAfter: '97.5',
            heldAfter: '0',
          },
        },
      ]);
    const state = foldOrganization([...reserved(), ...orgHistoryFrom(reserved(), [settle('h-1', '6.5')])]);
    expect(memberSpentThisMonth(state, 'a-1', T0)).toBe(6_500_000n);
  });
  it('refuses more than reserved, another usage id, and bad input, naming the field', () => {
    orgSpec().given(reserved()).when(settle('h-1', '10.000001')).thenError('invalid', ['credits']);
    orgSpec()
      .given(reserved())
      .when(settle('h-1', '1', T0, 'use-other'))
      .thenError('invalid', ['usageId']);
    orgSpec()
      .given(reserved())
      .when(settle('h 1', 'x', T0, 'u-1'))
      .thenError('invalid', ['holdId', 'credits']);
    orgSpec().given(reserved()).when(settle('h-9', '1')).thenError('not_found');
  });
  it('settles past expiresAt while still open (the sweeper found the usage)', () => {
    orgSpec()
      .given(reserved())
      .when(settle('h-1', '10', T0 + HOUR))
      .thenMatches([{ type: 'MemberSpendSettled' }]);
  });
  it('replays a settlement; a release after it is a 409 naming its state', () => {
    const h = [...reserved(), ...orgHistoryFrom(reserved(), [settle('h-1', '6.5')])];
    orgSpec().given(h).when(settle('h-1', '6.5')).thenReplay(reserved().length);
    orgSpec().given(h).when(settle('h-1', '6')).thenError('conflict');
    const d = organizationDecider.decide(release('h-1'), foldOrganization(h), orgContext);
    expect(d).toMatchObject({
      kind: 'error',
      error: { code: 'conflict', message: expect.stringContaining('settled') },
    });
  });
  it('release gives everything back; replayed; settle after it is a 409', () => {
    orgSpec()
      .given(reserved())
      .when(release('h-1'))
      .thenMatches([
        {
          type: 'MemberSpendReleased',
          data: {
            reason: 'usage refused',
            released: {
              credits: '10',
              allocations: [
                { grantId: 'g-1', credits: '4' },
                { grantId: 'p-1', credits: '6' },
              ],
            },
            balanceAfter: '104',
            heldAfter: '0',
          },
        },
      ]);
    const h = [...reserved(), ...orgHistoryFrom(reserved(), [release('h-1')])];
    orgSpec().given(h).when(release('h-1')).thenReplay(reserved().length);
    orgSpec().given(h).when(settle('h-1', '1')).thenError('conflict');
  });
  it('expiry only from expiresAt on, then idempotent; not after a settlement', () => {
    orgSpec()
      .given(reserved())
      .when(expireReservation('h-1', T0 + 10 * MINUTE - 1))
      .thenError('conflict');
    orgSpec()
      .given(reserved())
      .when(expireReservation('h-1', T0 + 10 * MINUTE))
      .thenMatches([
        {
          type: 'MemberSpendExpired',
          data: { expiresAt: isoOf(T0 + 10 * MINUTE), released: { credits: '10' } },
        },
      ]);
    const expired = [...reserved(), ...orgHistoryFrom(reserved(), [expireReservation('h-1', T0 + HOUR)])];
    orgSpec()
      .given(expired)
      .when(expireReservation('h-1', T0 + 2 * HOUR))
      .thenNothing();
    const settled = [...reserved(), ...orgHistoryFrom(reserved(), [settle('h-1', '1')])];
    orgSpec()
      .given(settled)
      .when(expireReservation('h-1', T0 + HOUR))
      .thenError('conflict');
  });
  it('no lazy expiry of reservations: other commands leave an overdue one open for the sweeper', () => {
    const later = T0 + DAY;
    const h = [...reserved(), ...orgHistoryFrom(reserved(), [orgGrant('g-2', '1', { now: later })])];
    const state = foldOrganization(h);
    expect(reservationStatusOf(state, 'h-1')).toBe('reserved');
    expect(memberReservationsDue(state, later).map((r) => r.holdId)).toEqual(['h-1']);
  });
});

describe('the pool: burn order and expiry (as an account)', () => {
  it('writes off an expired grant lazily before the next command', () => {
    const h = orgHistory([
      openOrg(),
      addMember('a-1'),
      orgPurchase('p-1', '5', { expiresAt: isoOf(T0 + DAY) }),
    ]);
    const d = organizationDecider.decide(
      orgGrant('g-1', '1', { now: T0 + DAY }),
      foldOrganization(h),
      orgContext,
    );
    expect(types(d)).toEqual(['OrgCreditsExpired', 'OrgCreditsGranted']);
    orgSpec()
      .given(h)
      .when(expireOrgCredits(T0 + DAY))
      .thenMatches([
        { type: 'OrgCreditsExpired', data: { grantId: 'p-1', credits: '5', expiresAt: isoOf(T0 + DAY) } },
      ]);
  });
  it('burns sooner-expiring credits first at equal priority', () => {
    const h = orgHistory([
      openOrg(),
      addMember('a-1'),
      orgPurchase('p-late', '5', { expiresAt: isoOf(T0 + 20 * DAY) }),
      orgPurchase('p-soon', '5', { expiresAt: isoOf(T0 + 2 * DAY) }),
    ]);
    orgSpec()
      .given(h)
      .when(reserve('h-1', 'a-1', '6'))
      .thenMatches([
        {
          type: 'MemberSpendReserved',
          data: {
            allocations: [
              { grantId: 'p-soon', credits: '5' },
              { grantId: 'p-late', credits: '1' },
            ],
          },
        },
      ]);
  });
  it('a reservation keeps its share past the grant expiry; released, it is written off at once', () => {
    const h = orgHistory([
      openOrg(),
      addMember('a-1'),
      orgPurchase('p-1', '5', { expiresAt: isoOf(T0 + HOUR) }),
      reserve('h-1', 'a-1', '3'),
    ]);
    // The unreserved 2 expire first; the reserved 3 stay with the reservation.
    const afterExpiry = [...h, ...orgHistoryFrom(h, [expireOrgCredits(T0 + HOUR)])];
    expect(afterExpiry.at(-1)).toMatchObject({ type: 'OrgCreditsExpired', data: { credits: '2' } });
    const d = organizationDecider.decide(
      release('h-1', T0 + 2 * HOUR),
      foldOrganization(afterExpiry),
      orgContext,
    );
    expect(d).toMatchObject({
      kind: 'events',
      events: [
        { type: 'MemberSpendReleased', data: { released: { credits: '3' } } },
        { type: 'OrgCreditsExpired', data: { grantId: 'p-1', credits: '3' } },
      ],
    });
    const after = foldOrganization([...afterExpiry, ...(d.kind === 'events' ? d.events : [])]);
    expect(after.grants[0]).toMatchObject({ remaining: 0n, status: 'written_off' });
    // Settled instead, the share is consumed, nothing more to write off.
    orgSpec()
      .given(afterExpiry)
      .when(settle('h-1', '3', T0 + 2 * HOUR))
      .thenMatches([
        { type: 'MemberSpendSettled', data: { allocations: [{ grantId: 'p-1', credits: '3' }] } },
      ]);
  });
});

describe('month boundary (UTC)', () => {
  it("last month's settled spend does not count against this month's limit", () => {
    const lastDay = Date.parse('2026-11-30T23:59:00.000Z');
    const firstDay = Date.parse('2026-12-01T00:00:00.000Z');
    const h = orgHistory([
      openOrg('pro', 'Acme', lastDay),
      addMember('a-1', undefined, lastDay),
      orgPurchase('p-1', '100', { now: lastDay }),
      setLimit('member', 'a-1', '10', lastDay),
      reserve('h-1', 'a-1', '10', { now: lastDay }),
      settle('h-1', '10', lastDay),
    ]);
    orgSpec()
      .given(h)
      .when(reserve('h-2', 'a-1', '0.000001', { now: lastDay + 59_999 }))
      .thenMatches([{ type: 'MemberSpendRejected', data: { month: '2026-11', spentThisMonth: '10' } }]);
    orgSpec()
      .given(h)
      .when(reserve('h-2', 'a-1', '10', { now: firstDay }))
      .thenMatches([{ type: 'MemberSpendReserved', data: { month: '2026-12' } }]);
  });
  it('a reservation settled after midnight counts in its own month', () => {
    const lastDay = Date.parse('2026-11-30T23:58:00.000Z');
    const firstDay = Date.parse('2026-12-01T00:01:00.000Z');
    const h = orgHistory([
      openOrg('pro', 'Acme', lastDay),
      addMember('a-1', undefined, lastDay),
      orgPurchase('p-1', '100', { now: lastDay }),
      reserve('h-1', 'a-1', '7', { now: lastDay }),
      settle('h-1', '7', firstDay),
    ]);
    expect(h.at(-1)).toMatchObject({ type: 'MemberSpendSettled', data: { month: '2026-11' } });
    const state = foldOrganization(h);
    expect(memberSpentThisMonth(state, 'a-1', firstDay)).toBe(0n);
    expect(memberSpentThisMonth(state, 'a-1', lastDay)).toBe(7_000_000n);
  });
});

describe('organizationView (API.md GET /v1/organizations/{orgId})', () => {
  it('shows the pool, limits, members with spend and effective limit, and requests', () => {
    const h = orgHistory([
      openOrg(),
      addMember('a-1', 'eng'),
      addMember('a-2'),
      orgPurchase('p-1', '100'),
      setLimit('group', 'eng', '20'),
      reserve('h-1', 'a-1', '8'),
      reserve('h-2', 'a-1', '4'),
      settle('h-2', '3'),
      requestCredits('r-1', 'a-2', '5'),
    ]);
    expect(organizationView(foldOrganization(h), T0)).toEqual({
      organizationId: ORG,
      plan: 'pro',
      name: 'Acme',
      credits: {
        balance: '89',
        held: '8',
        grants: [
          {
            grantId: 'p-1',
            kind: 'purchase',
            credits: '100',
            remaining: '89',
            held: '8',
            expiresAt: isoOf(T0 + 30 * DAY),
            products: null,
            priority: 100,
            status: 'active',
          },
        ],
      },
      spendLimits: { default: null, groups: { eng: '20' } },
      members: [
        {
          accountId: 'a-1',
          group: 'eng',
          spentThisMonth: '11',
          limit: '20',
          limitSource: 'group',
          remainingThisMonth: '9',
        },
        {
          accountId: 'a-2',
          group: null,
          spentThisMonth: '0',
          limit: null,
          limitSource: null,
          remainingThisMonth: null,
        },
      ],
      creditRequests: [
        {
          requestId: 'r-1',
          accountId: 'a-2',
          credits: '5',
          note: null,
          status: 'pending',
          requestedAt: isoOf(T0),
        },
      ],
    });
    expect(organizationView(foldOrganization([]), T0)).toBeNull();
  });
});

describe('bad input on the remaining commands: 400 naming the fields, nothing appended', () => {
  const h = () =>
    orgHistory([openOrg(), addMember('a-1'), orgPurchase('p-1', '10'), reserve('h-1', 'a-1', '1')]);
  it('release without a reason, a request note too long, a decision that is not a boolean', () => {
    orgSpec()
      .given(h())
      .when(release('h-1', T0, ' '))
      .thenError('invalid', ['reason']);
    const longNote = {
      ...requestCredits('r-1', 'a-1', '1'),
      data: { ...requestCredits('r-1', 'a-1', '1').data, note: 'x'.repeat(1001) },
    };
    orgSpec().given(h()).when(longNote).thenError('invalid', ['note']);
    const notBoolean = {
      ...decideRequest('r-1', true),
      data: { ...decideRequest('r-1', true).data, approve: 'yes' as unknown as boolean },
    };
    orgSpec().given(h()).when(notBoolean).thenError('invalid', ['approve']);
    orgSpec().given(h()).when(expireReservation('h 1')).thenError('invalid', ['holdId']);
  });
  it('a hold id longer than the bound is refused', () => {
    orgSpec()
      .given(h())
      .when(reserve('h'.repeat(301), 'a-1', '1', { usageId: 'u-1' }))
      .thenError('invalid', ['holdId']);
  });
});
