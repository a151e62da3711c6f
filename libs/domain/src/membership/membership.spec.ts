import type { AccountCommand, RecordUsage } from '../account/commands';
import { accountDecider } from '../account/decide';
import type { AccountEvent, UsageRecorded } from '../account/events';
import { snapshotOf, stateFromSnapshot } from '../account/snapshot';
import { foldAccount } from '../account/state';
import { usageOutcomeOf } from '../account/usage-outcome';
import { accountView } from '../account/view';
import {
  ACCOUNT,
  changePlan,
  context,
  contextWithUsages,
  history,
  HOUR,
  line,
  open,
  placeHold,
  purchase,
  reverseUsage,
  spec,
  T0,
  usage,
} from '../testing/fixtures';
import { isoOf } from '../time';
import type { MemberPool } from './commands';
import { memberSettlementOf, memberUsageHoldId, memberUsageNeed } from './member-usage-need';

const ORG = 'org-1';

function membershipCommand<T extends 'JoinOrganization' | 'LeaveOrganization' | 'LapsePoolReservation'>(
  type: T,
  data: Omit<Extract<AccountCommand, { type: T }>['data'], 'accountId'>,
  now = T0,
): Extract<AccountCommand, { type: T }> {
  const full = { accountId: ACCOUNT, ...data };
  return {
    type,
    data: full,
    metadata: { now, fingerprint: `fp:${type}:${JSON.stringify(full)}`, actor: 'tester' },
  } as unknown as Extract<AccountCommand, { type: T }>;
}
const join = (organizationId = ORG, plan = 'pro', group?: string, now = T0) =>
  membershipCommand(
    'JoinOrganization',
    group === undefined ? { organizationId, plan } : { organizationId, plan, group },
    now,
  );
const leave = (organizationId = ORG, now = T0) =>
  membershipCommand('LeaveOrganization', { organizationId }, now);
const lapse = (holdId: string, usageId: string, now = T0) =>
  membershipCommand('LapsePoolReservation', { organizationId: ORG, usageId, holdId }, now);

const reserved = (
  holdId: string,
  credits: string,
  allocations: { grantId: string; credits: string }[],
  openToMember = '500',
): MemberPool => ({ outcome: 'reserved', organizationId: ORG, holdId, credits, allocations, openToMember });
const withPool = (command: RecordUsage, pool: MemberPool): RecordUsage => ({ ...command, pool });
const decideOn = (events: readonly AccountEvent[], command: AccountCommand) =>
  accountDecider.decide(command, foldAccount(events), contextWithUsages(events));

/** Account on plan plus (5h window: 10 units), 100 own credits; joins org-1 on plan pro (5h: 100 units). */
const member = () => history([open('plus'), purchase('own-1', '100'), join()]);

describe('JoinOrganization / LeaveOrganization', () => {
  it("joins: the account's plan becomes the organisation's, its own is kept", () => {
    spec()
      .given(history([open('plus')]))
      .when(join(ORG, 'pro', 'eng'))
      .thenMatches([
        {
          type: 'JoinedOrganization',
          data: { organizationId: ORG, plan: 'pro', previousPlan: 'plus', group: 'eng' },
        },
      ]);
    const state = foldAccount(member());
    expect(state.plan).toBe('pro');
    expect(state.membership).toMatchObject({ organizationId: ORG, ownPlan: 'plus' });
  });
  it('is idempotent for the same organisation and refuses another one (one at a time)', () => {
    spec()
      .given(member())
      .when(join(ORG, 'pro', 'other-group'))
      .thenNothing();
    spec().given(member()).when(join('org-2', 'pro')).thenError('conflict');
  });
  it('names bad fields', () => {
    spec()
      .given(history([open('plus')]))
      .when(join('org 1', 'gold'))
      .thenError('invalid', ['organizationId', 'plan']);
  });
  it('leaving gives the account its own plan back; leaving again appends nothing', () => {
    spec()
      .given(member())
      .when(leave())
      .thenMatches([{ type: 'LeftOrganization', data: { organizationId: ORG, plan: 'plus' } }]);
    const left = member();
    const after = decideOn(left, leave());
    const events = [...left, ...(after.kind === 'events' ? after.events : [])];
    expect(foldAccount(events).plan).toBe('plus');
    expect(foldAccount(events).membership.organizationId).toBeNull();
    spec().given(events).when(leave()).thenNothing();
    spec().given(member()).when(leave('org-2')).thenNothing();
  });
});

describe("a member's usage: windows of the organisation's plan, overage from the pool only", () => {
  it("uses the organisation's plan for windows (50 units: pro allows 100 where plus allows 10)", () => {
    spec()
      .given(member())
      .when(usage('u-1', 50))
      .thenMatches([
        {
          type: 'UsageRecorded',
          data: { plan: 'pro', allowanceUnits: 50, creditsCharged: '0', allocations: [] },
        },
      ]);
    expect(memberUsageNeed(usage('u-1', 50), foldAccount(member()), context)).toBeNull();
  });
  it('memberUsageNeed: the overage credits, null when no pool is needed', () => {
    const state = foldAccount(member());
    // 105 messages: 100 from the window, 5 × 5 credits from the pool.
    expect(memberUsageNeed(usage('u-1', 105), state, context)).toEqual({
      organizationId: ORG,
      accountId: ACCOUNT,
      usageId: 'u-1',
      product: 'codex',
      credits: 25_000_000n,
    });
    expect(memberUsageNeed(usage('u-1', 105), foldAccount(history([open('plus')])), context)).toBeNull();
    expect(memberUsageNeed(usage('u-1', 0), state, context)).toBeNull(); // invalid: decide says 400
    const freeOrg = history([open('plus'), join(ORG, 'free')]);
    expect(memberUsageNeed(usage('u-1', 6), foldAccount(freeOrg), context)).toBeNull(); // overage_not_allowed
    const done = history([open('plus'), join(), usage('u-1', 3)]);
    expect(memberUsageNeed(usage('u-1', 3), foldAccount(done), context)).toBeNull(); // a replay
  });
  it("records the usage paid by the pool: allocations name the pool's grants, own grants untouched", () => {
    const pool = reserved('h-1', '25', [
      { grantId: 'g-1', credits: '10' },
      { grantId: 'p-1', credits: '15' },
    ]);
    spec()
      .given(member())
      .when(withPool(usage('u-1', 105), pool))
      .thenMatches([
        {
          type: 'UsageRecorded',
          data: {
            allowanceUnits: 100,
            overageUnits: 5,
            creditsCharged: '25',
            allocations: [
              { grantId: 'g-1', credits: '10' },
              { grantId: 'p-1', credits: '15' },
            ],
            // The pool's balance still open to the member (API.md), not the account's own 100.
            balanceAfter: '500',
            paidBy: { organizationId: ORG, holdId: 'h-1' },
          },
        },
      ]);
    const d = decideOn(member(), withPool(usage('u-1', 105), pool));
    const state = foldAccount([...member(), ...(d.kind === 'events' ? d.events : [])]);
    expect(state.grants).toEqual(foldAccount(member()).grants);
    expect(state.monthSpend.credits).toBe(0n);
    expect(state.membership.poolHolds.get('h-1')).toBe('used');
  });
  it('charges less than reserved when less is needed; the settlement names what was charged', () => {
    const pool = reserved('h-1', '30', [
      { grantId: 'g-1', credits: '10' },
      { grantId: 'p-1', credits: '20' },
    ]);
    const d = decideOn(member(), withPool(usage('u-1', 105), pool));
    expect(d).toMatchObject({ kind: 'events', events: [{ type: 'UsageRecorded' }] });
    const recorded = (d.kind === 'events' ? d.events[0] : undefined) as UsageRecorded;
    expect(recorded.data.allocations).toEqual([
      { grantId: 'g-1', credits: '10' },
      { grantId: 'p-1', credits: '15' },
    ]);
    // Open to the member after: the reservation's 500, plus the 5 the settlement gives back.
    expect(recorded.data.balanceAfter).toBe('505');
    expect(memberSettlementOf(recorded)).toEqual({
      organizationId: ORG,
      holdId: 'h-1',
      usageId: 'u-1',
      credits: '25',
    });
  });
  it('needing more than reserved (or a pool and none attached) is conflict pool_reservation_short', () => {
    const short = decideOn(
      member(),
      withPool(usage('u-1', 105), reserved('h-1', '20', [{ grantId: 'p-1', credits: '20' }])),
    );
    expect(short).toMatchObject({
      kind: 'error',
      error: { code: 'conflict', reason: 'pool_reservation_short', requiredCredits: '25' },
    });
    expect(decideOn(member(), usage('u-1', 105))).toMatchObject({
      kind: 'error',
      error: { reason: 'pool_reservation_short', requiredCredits: '25' },
    });
  });
  it("records the pool's refusal as UsageRejected with limitSource and limit; a retry replays it", () => {
    const refused: MemberPool = {
      outcome: 'rejected',
      organizationId: ORG,
      holdId: 'h-1',
      reason: 'member_limit_reached',
      limitSource: 'group',
      limit: '20',
      openToMember: '0',
    };
    spec()
      .given(member())
      .when(withPool(usage('u-1', 105), refused))
      .thenMatches([
        {
          type: 'UsageRejected',
          data: {
            reason: 'member_limit_reached',
            requiredCredits: '25',
            organizationId: ORG,
            limitSource: 'group',
            limit: '20',
            balanceAfter: '0',
          },
        },
      ]);
    const d = decideOn(member(), withPool(usage('u-1', 105), refused));
    const events = [...member(), ...(d.kind === 'events' ? d.events : [])];
    spec()
      .given(events)
      .when(usage('u-1', 105, { now: T0 + HOUR }))
      .thenReplay(member().length);
    const outcome = usageOutcomeOf(events.at(-1) as Parameters<typeof usageOutcomeOf>[0]);
    expect(outcome).toMatchObject({
      outcome: 'rejected',
      reason: 'member_limit_reached',
      limitSource: 'group',
      limit: '20',
    });
  });
  it('refuses a pool of another organisation, or a pool for a non-member', () => {
    const other = { ...reserved('h-1', '25', [{ grantId: 'p-1', credits: '25' }]), organizationId: 'org-2' };
    expect(decideOn(member(), withPool(usage('u-1', 105), other))).toMatchObject({
      error: { reason: 'not_a_member' },
    });
    expect(
      decideOn(history([open('plus')]), withPool(usage('u-1', 105), reserved('h-1', '25', []))),
    ).toMatchObject({
      error: { reason: 'not_a_member' },
    });
  });
  it("a member's own grants wait: usable again once it leaves", () => {
    const pool = reserved('h-1', '25', [{ grantId: 'p-1', credits: '25' }]);
    const paid = decideOn(member(), withPool(usage('u-1', 105), pool));
    const h = [...member(), ...(paid.kind === 'events' ? paid.events : [])];
    const left = decideOn(h, leave(ORG, T0 + 1));
    const after = [...h, ...(left.kind === 'events' ? left.events : [])];
    // Back on plus: the 5h window (10 units) is used up by the 105, so 2 messages cost 10 own credits.
    spec()
      .given(after)
      .when(usage('u-2', 2, { now: T0 + 2 }))
      .thenMatches([
        {
          type: 'UsageRecorded',
          data: {
            creditsCharged: '10',
            allocations: [{ grantId: 'own-1', credits: '10' }],
            balanceAfter: '90',
          },
        },
      ]);
  });
});

describe('PoolReservationLapsed (the sweeper repairs a lost reservation)', () => {
  it('lapses an unused reservation; a usage carrying it is then refused', () => {
    spec()
      .given(member())
      .when(lapse('h-1', 'u-1'))
      .then([
        {
          type: 'PoolReservationLapsed',
          data: {
            accountId: ACCOUNT,
            recordedAt: isoOf(T0),
            rateCardVersion: 'test-1',
            actor: 'tester',
            organizationId: ORG,
            usageId: 'u-1',
            holdId: 'h-1',
          },
        },
      ]);
    const d = decideOn(member(), lapse('h-1', 'u-1'));
    const lapsed = [...member(), ...(d.kind === 'events' ? d.events : [])];
    const pool = reserved('h-1', '25', [{ grantId: 'p-1', credits: '25' }]);
    expect(decideOn(lapsed, withPool(usage('u-1', 105), pool))).toMatchObject({
      kind: 'error',
      error: { code: 'conflict', reason: 'pool_reservation_lapsed' },
    });
    spec().given(lapsed).when(lapse('h-1', 'u-1')).thenNothing();
    // The next attempt's reservation is another holdId, and is not refused.
    const next = reserved(memberUsageHoldId(ACCOUNT, 'u-1', 2), '25', [{ grantId: 'p-1', credits: '25' }]);
    expect(decideOn(lapsed, withPool(usage('u-1', 105), next))).toMatchObject({ kind: 'events' });
  });
  it('refuses to lapse a reservation a recorded usage used (settle it instead)', () => {
    const pool = reserved('h-1', '25', [{ grantId: 'p-1', credits: '25' }]);
    const paid = decideOn(member(), withPool(usage('u-1', 105), pool));
    const h = [...member(), ...(paid.kind === 'events' ? paid.events : [])];
    expect(decideOn(h, lapse('h-1', 'u-1'))).toMatchObject({
      error: { code: 'conflict', reason: 'pool_hold_used' },
    });
  });
});

describe('what a member may not do', () => {
  it('change its plan, or place a hold on its own credits', () => {
    spec().given(member()).when(changePlan('pro')).thenError('conflict');
    spec()
      .given(member())
      .when(placeHold('h-1', [line(1)]))
      .thenError('conflict');
  });
  it('reverse a usage the pool paid (its credits are not the account’s)', () => {
    const pool = reserved('h-1', '25', [{ grantId: 'p-1', credits: '25' }]);
    const paid = decideOn(member(), withPool(usage('u-1', 105), pool));
    const h = [...member(), ...(paid.kind === 'events' ? paid.events : [])];
    expect(decideOn(h, reverseUsage('r-1', 'u-1'))).toMatchObject({
      kind: 'error',
      error: { code: 'conflict' },
    });
  });
});

describe('membership in snapshots (format 7) and the account view', () => {
  it('survives a snapshot: same state, same next decision', () => {
    const pool = reserved('h-1', '25', [{ grantId: 'p-1', credits: '25' }]);
    const paid = decideOn(member(), withPool(usage('u-1', 105), pool));
    const lapsed = decideOn(
      [...member(), ...(paid.kind === 'events' ? paid.events : [])],
      lapse('h-2', 'u-2'),
    );
    const events = [
      ...member(),
      ...(paid.kind === 'events' ? paid.events : []),
      ...(lapsed.kind === 'events' ? lapsed.events : []),
    ];
    const state = foldAccount(events);
    const restored = stateFromSnapshot(JSON.parse(JSON.stringify(snapshotOf(state))));
    expect(restored).toEqual(state);
    expect(snapshotOf(state).format).toBe(7);
    const next = lapse('h-1', 'u-1');
    expect(accountDecider.decide(next, restored, context)).toEqual(
      accountDecider.decide(next, state, context),
    );
  });
  it('shows organizationId only while a member', () => {
    expect(accountView(foldAccount(member()), T0, context)).toMatchObject({
      organizationId: ORG,
      plan: 'pro',
    });
    expect(accountView(foldAccount(history([open('plus')])), T0, context)).not.toHaveProperty(
      'organizationId',
    );
  });
});

describe('memberUsageHoldId', () => {
  it('is unambiguous for ids with colons and fits the pool hold id bound', () => {
    expect(memberUsageHoldId('a:b', 'c', 1)).not.toBe(memberUsageHoldId('a', 'b:c', 1));
    expect(memberUsageHoldId('a', 'u', 1)).not.toBe(memberUsageHoldId('a', 'u', 2));
    expect(memberUsageHoldId('a'.repeat(128), 'u'.repeat(128), 5).length).toBeLessThanOrEqual(300);
  });
  it('a lapse with bad fields is a 400 naming them', () => {
    spec().given(member()).when(lapse('', 'u 1')).thenError('invalid', ['usageId', 'holdId']);
  });
});
