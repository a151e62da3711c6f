import fc from 'fast-check';
import { creditsFromStored, formatCredits, type Credits } from '../credits';
import { DAY, MINUTE, propertyOptions } from '../testing/fixtures';
import { isoOf, utcMonthOf } from '../time';
import type { OrganizationEvent } from './events';
import { MemberUsageWorld, type CrashPoint } from './member-usage.world';
import { monthNumberOf } from './month';
import { organizationSnapshotOf, organizationStateFromSnapshot } from './snapshot';
import { foldOrganization, type OrganizationState } from './state';

/**
 * Seeded simulation of one organisation and four accounts (FC_SEED=<seed> to replay): member usage
 * through the whole workflow (reserve → record → settle, with crashes between the steps and
 * idempotent retries), the sweeper, pool purchases and grants that expire, limits at every level
 * set and cleared, credit requests, members joining and leaving, and a clock that crosses a UTC
 * month. Checked against a reference model after every step and at the end.
 */
const ORG = 'org-1';
const ACCOUNTS = ['a-0', 'a-1', 'a-2', 'a-3'];
// Three days before a month's end: the clock crosses into December in most runs.
const START = Date.parse('2026-11-28T22:00:00.000Z');

type Step =
  | { kind: 'usage'; member: number; usage: number; crash: CrashPoint }
  /** Two usages of one member interleaved: A reserves, B runs, then A records (its reservation may be short). */
  | { kind: 'race'; member: number; a: number; b: number }
  | { kind: 'clock'; ms: number }
  | { kind: 'sweep' }
  | { kind: 'credits'; id: number; micro: number; days: number | null; promo: boolean; priority: number }
  | { kind: 'limit'; level: 'default' | 'group' | 'member'; target: number; micro: number | null }
  | { kind: 'request'; id: number; member: number; micro: number; approve: boolean | null }
  | { kind: 'membership'; member: number; join: boolean; group: number };

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('usage' as const),
      member: fc.nat(3),
      usage: fc.nat(25),
      crash: fc.constantFrom<CrashPoint>('none', 'none', 'none', 'afterReserve', 'afterRecord'),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('clock' as const),
      ms: fc.oneof(fc.integer({ min: 0, max: 20 * MINUTE }), fc.integer({ min: 0, max: 2 * DAY })),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'sweep' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('race' as const),
      member: fc.nat(3),
      a: fc.nat(25),
      b: fc.nat(25),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('credits' as const),
      id: fc.nat(5),
      micro: fc.integer({ min: 1, max: 120_000_000 }),
      days: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
      promo: fc.boolean(),
      priority: fc.integer({ min: 0, max: 200 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('limit' as const),
      level: fc.constantFrom('default' as const, 'group' as const, 'member' as const),
      target: fc.nat(3),
      micro: fc.option(fc.integer({ min: 0, max: 80_000_000 }), { nil: null }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      id: fc.nat(6),
      member: fc.nat(3),
      micro: fc.integer({ min: 1, max: 30_000_000 }),
      approve: fc.option(fc.boolean(), { nil: null }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('membership' as const),
      member: fc.nat(3),
      join: fc.boolean(),
      group: fc.nat(1),
    }),
  },
);

const GROUPS = ['eng', 'sales'];
/** A usage id always asks the same quantity, so a repeated id is a true retry (not a 409). */
const quantityOf = (usage: number) => ((usage * 7) % 14) + 1;

function apply(world: MemberUsageWorld, step: Step): void {
  const organizationId = ORG;
  switch (step.kind) {
    case 'usage':
      world.usage(
        ACCOUNTS[step.member],
        `u-${step.member}-${step.usage}`,
        quantityOf(step.usage),
        step.crash,
      );
      return;
    case 'race': {
      const accountId = ACCOUNTS[step.member];
      world.usage(accountId, `u-${step.member}-${step.a}`, quantityOf(step.a), 'afterReserve');
      world.usage(accountId, `u-${step.member}-${step.b}`, quantityOf(step.b), 'none');
      world.usage(accountId, `u-${step.member}-${step.a}`, quantityOf(step.a), 'none');
      return;
    }
    case 'clock':
      world.now += step.ms;
      return;
    case 'sweep':
      world.sweep();
      return;
    case 'credits': {
      const credits = formatCredits(BigInt(step.micro));
      const expiresAt = step.days === null ? undefined : isoOf(world.now + step.days * DAY);
      if (step.promo) {
        world.organization('GrantOrgCredits', {
          grantId: `g-${step.id}`,
          organizationId,
          credits,
          reason: 'sim',
          priority: step.priority,
          ...(expiresAt ? { expiresAt } : {}),
        });
      } else {
        world.organization('PurchaseOrgCredits', {
          purchaseId: `p-${step.id}`,
          organizationId,
          credits,
          amountPaid: { amountMinor: 100, currency: 'USD' },
          ...(expiresAt ? { expiresAt } : {}),
        });
      }
      return;
    }
    case 'limit': {
      const creditsPerMonth = step.micro === null ? null : formatCredits(BigInt(step.micro));
      const key =
        step.level === 'default'
          ? undefined
          : step.level === 'group'
            ? GROUPS[step.target % 2]
            : ACCOUNTS[step.target];
      world.organization('SetSpendLimit', {
        organizationId,
        level: step.level,
        ...(key ? { key } : {}),
        creditsPerMonth,
      });
      return;
    }
    case 'request': {
      const requestId = `r-${step.id}`;
      world.organization('RequestCredits', {
        requestId,
        organizationId,
        accountId: ACCOUNTS[step.member],
        credits: formatCredits(BigInt(step.micro)),
      });
      if (step.approve !== null)
        world.organization('DecideCreditRequest', { requestId, organizationId, approve: step.approve });
      return;
    }
    case 'membership': {
      const accountId = ACCOUNTS[step.member];
      if (step.join) {
        const joined = world.account(accountId, 'JoinOrganization', {
          accountId,
          organizationId,
          plan: 'plus',
        });
        if (joined.kind !== 'error')
          world.organization('AddMember', { organizationId, accountId, group: GROUPS[step.group] });
      } else {
        world.organization('RemoveMember', { organizationId, accountId });
        world.account(accountId, 'LeaveOrganization', { accountId, organizationId });
      }
      return;
    }
  }
}

/** The reference model of limits and spend, from the org's events alone (independent of limits.ts). */
class LimitModel {
  defaultLimit: Credits | null = null;
  groups = new Map<string, Credits>();
  members = new Map<string, Credits>();
  overrides = new Map<string, { month: number; credits: Credits }>();
  groupOf = new Map<string, string | null>();
  settled = new Map<string, Credits>(); // `${account}|${month}`
  open = new Map<string, { account: string; month: number; credits: Credits }>();

  limitOf(account: string, month: number): Credits | null {
    const o = this.overrides.get(account);
    if (o !== undefined && o.month === month) return o.credits;
    if (this.members.has(account)) return this.members.get(account) as Credits;
    const g = this.groupOf.get(account) ?? null;
    if (g !== null && this.groups.has(g)) return this.groups.get(g) as Credits;
    return this.defaultLimit;
  }

  spent(account: string, month: number): Credits {
    let total = this.settled.get(`${account}|${month}`) ?? 0n;
    for (const r of this.open.values()) if (r.account === account && r.month === month) total += r.credits;
    return total;
  }

  /** Checks both sides of the limit rule at each reservation decision, then applies the event. */
  check(event: OrganizationEvent): void {
    switch (event.type) {
      case 'MemberAdded':
      case 'MemberGroupChanged':
        this.groupOf.set(event.data.accountId, event.data.group);
        return;
      case 'SpendLimitSet': {
        const value =
          event.data.creditsPerMonth === null ? null : creditsFromStored(event.data.creditsPerMonth);
        const key = event.data.key as string;
        if (event.data.level === 'default') this.defaultLimit = value;
        else {
          const map = event.data.level === 'group' ? this.groups : this.members;
          if (value === null) map.delete(key);
          else map.set(key, value);
          if (event.data.level === 'member') this.overrides.delete(key);
        }
        return;
      }
      case 'CreditRequestApproved':
        if (event.data.override !== null) {
          this.overrides.set(event.data.accountId, {
            month: monthNumberOf(event.data.month),
            credits: creditsFromStored(event.data.override),
          });
        }
        return;
      case 'MemberSpendReserved': {
        const month = utcMonthOf(Date.parse(event.data.recordedAt));
        const credits = creditsFromStored(event.data.credits);
        const limit = this.limitOf(event.data.accountId, month);
        if (limit !== null && this.spent(event.data.accountId, month) + credits > limit) {
          throw new Error(`limit passed: ${JSON.stringify(event.data)} limit ${limit}`);
        }
        this.open.set(event.data.holdId, { account: event.data.accountId, month, credits });
        return;
      }
      case 'MemberSpendRejected': {
        if (event.data.reason !== 'member_limit_reached') return;
        const month = utcMonthOf(Date.parse(event.data.recordedAt));
        const limit = this.limitOf(event.data.accountId, month);
        const credits = creditsFromStored(event.data.requiredCredits);
        if (limit === null || this.spent(event.data.accountId, month) + credits <= limit) {
          throw new Error(`refused within the limit: ${JSON.stringify(event.data)} limit ${limit}`);
        }
        expect(event.data.limit).toBe(formatCredits(limit));
        return;
      }
      case 'MemberSpendSettled': {
        const r = this.open.get(event.data.holdId);
        if (r === undefined)
          throw new Error(`settled a reservation the model does not have open: ${event.data.holdId}`);
        this.open.delete(event.data.holdId);
        const key = `${r.account}|${r.month}`;
        this.settled.set(key, (this.settled.get(key) ?? 0n) + creditsFromStored(event.data.credits));
        return;
      }
      case 'MemberSpendReleased':
      case 'MemberSpendExpired':
        this.open.delete(event.data.holdId);
        return;
      default:
        return;
    }
  }
}

/** Per pool grant: granted = remaining + reserved + consumed + expired, nothing negative. */
function checkPool(world: MemberUsageWorld): { consumed: Credits; settled: Credits } {
  const state = world.orgState;
  const consumed = new Map<string, Credits>();
  const expired = new Map<string, Credits>();
  let settled = 0n;
  for (const e of world.org) {
    if (e.type === 'MemberSpendSettled') {
      settled += creditsFromStored(e.data.credits);
      for (const a of e.data.allocations)
        consumed.set(a.grantId, (consumed.get(a.grantId) ?? 0n) + creditsFromStored(a.credits));
    }
    if (e.type === 'OrgCreditsExpired')
      expired.set(e.data.grantId, (expired.get(e.data.grantId) ?? 0n) + creditsFromStored(e.data.credits));
  }
  const reserved = new Map<string, Credits>();
  for (const r of state.reservations.values()) {
    for (const a of r.allocations) reserved.set(a.grantId, (reserved.get(a.grantId) ?? 0n) + a.credits);
  }
  let totalConsumed = 0n;
  for (const g of state.grants) {
    expect(g.remaining >= 0n).toBe(true);
    const c = consumed.get(g.grantId) ?? 0n;
    totalConsumed += c;
    expect(g.remaining + (reserved.get(g.grantId) ?? 0n) + c + (expired.get(g.grantId) ?? 0n)).toBe(
      g.credits,
    );
  }
  return { consumed: totalConsumed, settled };
}

function checkFoldAndSnapshot(world: MemberUsageWorld): void {
  const folded = foldOrganization(world.org);
  expect(folded).toEqual(world.orgState);
  const restored: OrganizationState = organizationStateFromSnapshot(
    JSON.parse(JSON.stringify(organizationSnapshotOf(folded))),
  );
  expect(restored).toEqual(folded);
}

/** Every pool-paid usage on the members' streams, and its credits. */
function paidByPool(world: MemberUsageWorld): Map<string, Credits> {
  const paid = new Map<string, Credits>();
  for (const log of world.accounts.values()) {
    for (const e of log) {
      if (e.type === 'UsageRecorded' && e.data.paidBy !== undefined)
        paid.set(e.data.paidBy.holdId, creditsFromStored(e.data.creditsCharged));
    }
  }
  return paid;
}

describe('organisation pool under many members (seeded simulation)', () => {
  it('pool never negative, no limit passed, members’ spend sums to what the pool was charged, state = fold = snapshot', () => {
    const seen = { reserved: 0, rejectedLimit: 0, rejectedCredits: 0, settled: 0, expired: 0, released: 0 };
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 20, maxLength: 80 }), (steps) => {
        const world = new MemberUsageWorld(START);
        world.organization('OpenOrganization', { organizationId: ORG, plan: 'plus', name: 'Sim' });
        for (const accountId of ACCOUNTS) {
          world.account(accountId, 'OpenAccount', { accountId, plan: 'plus' });
          world.account(accountId, 'PurchaseCredits', {
            purchaseId: `own-${accountId}`,
            accountId,
            credits: '1000',
            amountPaid: { amountMinor: 100, currency: 'USD' },
          });
        }
        for (const accountId of ACCOUNTS.slice(0, 3)) {
          world.account(accountId, 'JoinOrganization', { accountId, organizationId: ORG, plan: 'plus' });
          world.organization('AddMember', {
            organizationId: ORG,
            accountId,
            group: GROUPS[ACCOUNTS.indexOf(accountId) % 2],
          });
        }
        world.organization('PurchaseOrgCredits', {
          purchaseId: 'p-start',
          organizationId: ORG,
          credits: '50',
          amountPaid: { amountMinor: 100, currency: 'USD' },
        });
        const model = new LimitModel();
        let checked = 0;
        const checkNew = () => {
          for (; checked < world.appended.length; checked += 1) model.check(world.appended[checked].event);
        };
        checkNew();
        for (const step of steps) {
          apply(world, step);
          checkNew();
          checkPool(world);
        }
        checkFoldAndSnapshot(world);
        // The end: every crash repaired by the sweeper once all reservations are due.
        world.now += 11 * MINUTE;
        world.sweep();
        checkNew();
        expect(world.orgState.reservations.size).toBe(0);
        const { consumed, settled } = checkPool(world);
        const paid = paidByPool(world);
        let paidTotal = 0n;
        for (const credits of paid.values()) paidTotal += credits;
        expect(settled).toBe(consumed);
        expect(paidTotal).toBe(settled);
        // Each pool-paid usage was settled, for exactly what it charged.
        for (const e of world.org) {
          if (e.type === 'MemberSpendSettled')
            expect(paid.get(e.data.holdId)).toBe(creditsFromStored(e.data.credits));
          if (e.type === 'MemberSpendReserved') seen.reserved += 1;
          if (e.type === 'MemberSpendRejected')
            seen[e.data.reason === 'member_limit_reached' ? 'rejectedLimit' : 'rejectedCredits'] += 1;
          if (e.type === 'MemberSpendSettled') seen.settled += 1;
          if (e.type === 'MemberSpendExpired') seen.expired += 1;
          if (e.type === 'MemberSpendReleased') seen.released += 1;
        }
        checkFoldAndSnapshot(world);
      }),
      propertyOptions(60),
    );
    // The runs must reach every outcome, or the invariants above checked little.
    for (const [kind, count] of Object.entries(seen)) expect([kind, count > 0]).toEqual([kind, true]);
  });
});
