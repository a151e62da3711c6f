import { creditsFromStored, formatCredits } from '@ledger/domain';
import type { HttpAnswer, HttpRequest } from './http-client';

/**
 * The organisations load of the multi-node reliability tests (SPEC §7, docs: briefs/org-design):
 * many members of one organisation spending from its pool at once (token lines, which draw no
 * allowance, so every one needs the pool; allowance usage now and then), pool purchases, spend
 * limits set and cleared at every level, credit requests approved or declined; and the checks on
 * the raw log afterwards, computed from the events alone (never from the domain's fold): the pool
 * never negative, no limit passed, the members' spend equal to what the pool was charged, no
 * reservation open past its expiry, every acknowledged answer in the log as answered.
 */
export type OrgKind = 'usage' | 'purchase' | 'limit' | 'request' | 'decision';

export interface OrgSent {
  readonly kind: OrgKind;
  readonly accountId?: string;
  /** The usage id (usage) or the request id (request, decision). */
  readonly id?: string;
  readonly request: HttpRequest;
  answer?: HttpAnswer;
}

/** A definite answer: recorded (200/201/402), or a decision on a request that another one decided first (409). */
export const orgDefinite = (s: OrgSent): boolean =>
  s.answer !== undefined &&
  ([200, 201, 204, 402].includes(s.answer.status) || (s.answer.status === 409 && s.kind === 'decision'));

export const GROUPS = ['eng', 'research', null] as const;

/** The members' usage: mostly token lines (credits only, 0.75–3 credits), sometimes messages (allowance first). */
const OUTPUT_TOKENS = 'gpt-5.5:output_tokens';

export interface OrgSetup {
  readonly organizationId: string;
  readonly plan: string;
  readonly members: readonly string[];
  /** Credits bought into the pool before the load (more are bought during it). */
  readonly poolCredits: string;
}

export class OrgLoad {
  private n = 0;
  /** Credit requests answered 201, not yet decided by this load. */
  private readonly pending: string[] = [];

  constructor(
    private readonly random: () => number,
    readonly setup: OrgSetup,
    private readonly prefix: string,
  ) {}

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)];
  }

  private get org(): string {
    return `/v1/organizations/${this.setup.organizationId}`;
  }

  groupOf(accountId: string): string | null {
    return GROUPS[this.setup.members.indexOf(accountId) % GROUPS.length];
  }

  /** In order, each answered 201 (or 200): accounts, the organisation, members, the pool, the first limits. */
  setupRequests(): { role: 'service' | 'admin'; request: HttpRequest; expected: number[] }[] {
    const { organizationId, plan, members, poolCredits } = this.setup;
    const steps: { role: 'service' | 'admin'; request: HttpRequest; expected: number[] }[] = [];
    for (const accountId of members)
      steps.push({
        role: 'service',
        request: { method: 'POST', path: '/v1/accounts', body: { accountId, plan: 'plus' } },
        expected: [201],
      });
    steps.push({
      role: 'service',
      request: {
        method: 'POST',
        path: '/v1/organizations',
        body: { organizationId, plan, name: 'Reliability Inc' },
      },
      expected: [201],
    });
    for (const accountId of members) {
      const group = this.groupOf(accountId);
      steps.push({
        role: 'service',
        request: {
          method: 'PUT',
          path: `${this.org}/members/${accountId}`,
          body: group === null ? {} : { group },
        },
        expected: [200, 201],
      });
    }
    steps.push({
      role: 'service',
      request: {
        method: 'POST',
        path: `${this.org}/credits/purchases`,
        body: {
          purchaseId: `${this.prefix}-pool-setup`, // apart from next()'s pool-<n>: n starts at 0
          credits: poolCredits,
          amountPaid: { amountMinor: 10_000, currency: 'USD' },
        },
      },
      expected: [201],
    });
    const limit = (path: string, creditsPerMonth: string | null) => ({
      role: 'service' as const,
      request: { method: 'PUT', path: `${this.org}/spend-limits/${path}`, body: { creditsPerMonth } },
      expected: [200, 201],
    });
    steps.push(limit('default', '6'), limit('groups/eng', '12'), limit(`members/${members[0]}`, '20'));
    return steps;
  }

  /** Called with every answer: a pending credit request becomes one to decide. */
  answered(sent: OrgSent): void {
    if (sent.kind === 'request' && sent.answer?.status === 201) this.pending.push(sent.id as string);
  }

  next(): OrgSent {
    const r = this.random();
    const { members } = this.setup;
    const accountId = this.pick(members);
    if (r < 0.86) {
      const usageId = `${this.prefix}-u-${this.n++}`;
      const tokens = this.random() < 0.85;
      const body = {
        usageId,
        accountId,
        product: 'codex',
        operation: tokens ? OUTPUT_TOKENS : this.pick(['local_message', 'cloud_task']),
        quantity: tokens ? 1_000 + Math.floor(this.random() * 3_000) : 1 + Math.floor(this.random() * 40),
      };
      return { kind: 'usage', accountId, id: usageId, request: { method: 'POST', path: '/v1/usage', body } };
    }
    if (r < 0.9) {
      const purchaseId = `${this.prefix}-pool-${this.n++}`;
      const body = {
        purchaseId,
        credits: String(5 + Math.floor(this.random() * 20)),
        amountPaid: { amountMinor: 1_000, currency: 'USD' },
      };
      return {
        kind: 'purchase',
        id: purchaseId,
        request: { method: 'POST', path: `${this.org}/credits/purchases`, body },
      };
    }
    if (r < 0.95) {
      const level = this.pick(['default', 'groups/eng', 'groups/research', `members/${accountId}`]);
      const creditsPerMonth = this.random() < 0.15 ? null : String(2 + Math.floor(this.random() * 14));
      const request = { method: 'PUT', path: `${this.org}/spend-limits/${level}`, body: { creditsPerMonth } };
      return { kind: 'limit', request };
    }
    if (r < 0.975 || this.pending.length === 0) {
      const requestId = `${this.prefix}-r-${this.n++}`;
      const body = {
        requestId,
        accountId,
        credits: String(1 + Math.floor(this.random() * 5)),
        note: 'more please',
      };
      return {
        kind: 'request',
        accountId,
        id: requestId,
        request: { method: 'POST', path: `${this.org}/credit-requests`, body },
      };
    }
    const requestId = this.pending.splice(Math.floor(this.random() * this.pending.length), 1)[0];
    const body = { approve: this.random() < 0.7, note: 'ok' };
    const path = `${this.org}/credit-requests/${requestId}/decision`;
    return { kind: 'decision', id: requestId, request: { method: 'POST', path, body } };
  }
}

/** One event of the log as a reader finds it: its stream, type and data (JSON). */
export interface LoggedEvent {
  readonly stream: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

const ORG_STREAM = /^organization-(.+)$/;
const ACCOUNT_STREAM = /^account-(.+)$/;

const credits = (value: unknown): bigint => creditsFromStored(String(value));

interface Reservation {
  readonly accountId: string;
  readonly usageId: string;
  readonly month: string;
  readonly credits: bigint;
  readonly expiresAt: number;
  status: 'open' | 'settled' | 'released' | 'expired';
  settled: bigint;
}

/** What the checks found, beside the problems: the figures a run reports. */
export interface OrgBooks {
  readonly problems: string[];
  readonly reservations: Map<string, Reservation>;
  /** Pool money, micro-credits: bought or granted, expired, held by open reservations, consumed. */
  readonly pool: { in: bigint; expired: bigint; held: bigint; consumed: bigint; lowest: bigint };
  /** Credits the members' UsageRecorded with `paidBy` charged, in all. */
  memberSpend: bigint;
  /** Spend per member and UTC month: settled + open reservations (what the limit is checked against). */
  readonly spent: Map<string, bigint>;
  readonly counts: Record<string, number>;
}

const monthKey = (accountId: string, month: string) => `${accountId}@${month}`;

/**
 * The books of one organisation from the raw log (events in log order, all streams): the pool
 * walked event by event on its own stream (available never below zero, each reservation closed at
 * most once with what it held), each reservation checked against the member's effective limit as
 * the pool's stream stood at that moment (limits, groups and approved requests folded here, not by
 * the domain), each rejection checked to be one (`insufficient_credits`: the pool really lacked
 * it; `member_limit_reached`: the limit really was in the way), and the members' side: every usage
 * paid from the pool names a reservation of its member and is settled for exactly what it charged,
 * with the pool's grants; a reservation that lapsed has its `PoolReservationLapsed` on the member's
 * stream and no usage. `now`: the ledger clock at the end (no open reservation may be past expiry).
 */
export function orgBooksOf(events: readonly LoggedEvent[], organizationId: string, now: number): OrgBooks {
  const problems: string[] = [];
  const reservations = new Map<string, Reservation>();
  const pool = { in: 0n, expired: 0n, held: 0n, consumed: 0n, lowest: 0n };
  const spent = new Map<string, bigint>();
  const counts: Record<string, number> = {};
  /** Each pool grant's unreserved remainder, from the events (never below zero). */
  const grants = new Map<
    string,
    { remaining: bigint; products: readonly string[] | null; expiresAt: number | null }
  >();
  const move = (holdId: unknown, shares: unknown, sign: 1n | -1n) => {
    for (const a of (shares as { grantId: string; credits: string }[] | undefined) ?? []) {
      const grant = grants.get(a.grantId);
      if (grant === undefined) {
        problems.push(`${String(holdId)}: allocation from ${a.grantId}, not a grant of the pool`);
        continue;
      }
      grant.remaining += sign * credits(a.credits);
      if (grant.remaining < 0n) problems.push(`${String(holdId)}: pool grant ${a.grantId} overdrawn`);
    }
  };
  const groupOf = new Map<string, string | null>();
  const limits = {
    default: null as bigint | null,
    groups: new Map<string, bigint>(),
    members: new Map<string, bigint>(),
  };
  const overrides = new Map<string, bigint>(); // accountId@month → override from an approved request
  const effective = (accountId: string, month: string): bigint | null => {
    const group = groupOf.get(accountId) ?? null;
    return (
      overrides.get(monthKey(accountId, month)) ??
      limits.members.get(accountId) ??
      (group === null ? undefined : limits.groups.get(group)) ??
      limits.default
    );
  };
  const available = () => pool.in - pool.expired - pool.held - pool.consumed;
  const orgStream = `organization-${organizationId}`;
  const count = (type: string) => (counts[type] = (counts[type] ?? 0) + 1);

  for (const { stream, type, data } of events) {
    if (stream !== orgStream) continue;
    count(type);
    const accountId = data.accountId as string;
    switch (type) {
      case 'OrgCreditsPurchased':
      case 'OrgCreditsGranted':
        pool.in += credits(data.credits);
        grants.set(String(type === 'OrgCreditsPurchased' ? data.purchaseId : data.grantId), {
          remaining: credits(data.credits),
          products: (data.products as string[] | null | undefined) ?? null,
          expiresAt: typeof data.expiresAt === 'string' ? Date.parse(data.expiresAt) : null,
        });
        break;
      case 'OrgCreditsExpired':
        pool.expired += credits(data.credits);
        move('expiry', [{ grantId: data.grantId, credits: data.credits }], -1n);
        break;
      case 'MemberAdded':
      case 'MemberGroupChanged':
        groupOf.set(accountId, (data.group as string | null | undefined) ?? null);
        break;
      case 'MemberRemoved':
        groupOf.delete(accountId);
        break;
      case 'SpendLimitSet': {
        const value = data.creditsPerMonth === null ? null : credits(data.creditsPerMonth);
        const key = data.key as string;
        if (data.level === 'default') limits.default = value;
        else {
          const map = data.level === 'group' ? limits.groups : limits.members;
          if (value === null) map.delete(key);
          else map.set(key, value);
        }
        // The admin's latest word on a member replaces an approved request's month override
        // (organizations/RULES.md): set or cleared, the member level drops every override of it.
        if (data.level === 'member')
          for (const k of [...overrides.keys()]) if (k.startsWith(monthKey(key, ''))) overrides.delete(k);
        break;
      }
      case 'CreditRequestApproved':
        if (data.override !== null && data.override !== undefined)
          overrides.set(monthKey(accountId, data.month as string), credits(data.override));
        break;
      case 'MemberSpendReserved': {
        const holdId = data.holdId as string;
        const amount = credits(data.credits);
        const month = data.month as string;
        if (reservations.has(holdId)) problems.push(`reservation ${holdId} made twice`);
        const before = spent.get(monthKey(accountId, month)) ?? 0n;
        const limit = effective(accountId, month);
        if (limit !== null && before + amount > limit)
          problems.push(
            `${holdId}: ${accountId} reserved ${formatCredits(amount)} with ${formatCredits(before)} spent in ${month}: past its limit ${formatCredits(limit)}`,
          );
        if (amount > available())
          problems.push(
            `${holdId}: reserved ${formatCredits(amount)} with ${formatCredits(available())} in the pool`,
          );
        move(holdId, data.allocations, -1n);
        reservations.set(holdId, {
          accountId,
          usageId: data.usageId as string,
          month,
          credits: amount,
          expiresAt: Date.parse(data.expiresAt as string),
          status: 'open',
          settled: 0n,
        });
        spent.set(monthKey(accountId, month), before + amount);
        pool.held += amount;
        break;
      }
      case 'MemberSpendRejected': {
        const required = credits(data.requiredCredits);
        const month = (data.month as string | undefined) ?? null;
        // The pool's unreserved credits for the usage's product (grants may be scoped to products), unexpired.
        const at = typeof data.recordedAt === 'string' ? Date.parse(data.recordedAt) : null;
        const usable = [...grants.values()]
          .filter((g) => g.products === null || g.products.includes(data.product as string))
          .filter((g) => g.expiresAt === null || at === null || at < g.expiresAt)
          .reduce((sum, g) => sum + g.remaining, 0n);
        if (data.reason === 'insufficient_credits' && required <= usable)
          problems.push(
            `${String(data.holdId)}: rejected insufficient_credits for ${formatCredits(required)} with ${formatCredits(usable)} in the pool`,
          );
        if (data.reason === 'member_limit_reached' && month !== null) {
          const limit = effective(accountId, month);
          const before = spent.get(monthKey(accountId, month)) ?? 0n;
          if (limit === null || before + required <= limit)
            problems.push(
              `${String(data.holdId)}: rejected member_limit_reached for ${formatCredits(required)} with ${formatCredits(before)} spent, limit ${limit === null ? 'none' : formatCredits(limit)} (the event: ${String(data.spentThisMonth)} spent in ${month}, ${String(data.limitSource)} limit ${String(data.limit)}, at ${String(data.recordedAt)})`,
            );
        }
        if (data.reason === 'member_limit_reached') {
          const source = data.limitSource as string | null;
          if (!['member', 'group', 'default'].includes(String(source)) || data.limit === null)
            problems.push(
              `${String(data.holdId)}: member_limit_reached without limitSource/limit (${JSON.stringify(data)})`,
            );
        }
        break;
      }
      case 'MemberSpendSettled':
      case 'MemberSpendReleased':
      case 'MemberSpendExpired': {
        const holdId = data.holdId as string;
        const reservation = reservations.get(holdId);
        if (reservation === undefined || reservation.status !== 'open') {
          problems.push(
            `${type} of ${holdId}: ${reservation === undefined ? 'never reserved' : `already ${reservation.status}`}`,
          );
          break;
        }
        const key = monthKey(reservation.accountId, reservation.month);
        pool.held -= reservation.credits;
        move(holdId, (data.released as { allocations?: unknown } | undefined)?.allocations, 1n);
        if (type === 'MemberSpendSettled') {
          const used = credits(data.credits);
          if (used > reservation.credits)
            problems.push(
              `${holdId}: settled ${formatCredits(used)} > reserved ${formatCredits(reservation.credits)}`,
            );
          const released = data.released as { credits?: string } | undefined;
          if (released?.credits !== undefined && credits(released.credits) !== reservation.credits - used)
            problems.push(`${holdId}: released ${String(data.released)} ≠ reserved − settled`);
          reservation.status = 'settled';
          reservation.settled = used;
          pool.consumed += used;
          spent.set(key, (spent.get(key) ?? 0n) - (reservation.credits - used));
        } else {
          reservation.status = type === 'MemberSpendReleased' ? 'released' : 'expired';
          spent.set(key, (spent.get(key) ?? 0n) - reservation.credits);
        }
        break;
      }
    }
    if (available() < pool.lowest) pool.lowest = available();
    if (available() < 0n)
      problems.push(`pool negative (${formatCredits(available())}) after ${type} ${JSON.stringify(data)}`);
  }

  // The members' side.
  let memberSpend = 0n;
  const paidHolds = new Map<string, { accountId: string; usageId: string; charged: bigint }>();
  const lapsed = new Map<string, string>();
  for (const { stream, type, data } of events) {
    const account = ACCOUNT_STREAM.exec(stream)?.[1];
    if (account === undefined) continue;
    if (type === 'PoolReservationLapsed') lapsed.set(data.holdId as string, account);
    if (type !== 'UsageRecorded') continue;
    const paidBy = data.paidBy as { organizationId: string; holdId: string } | null | undefined;
    if (paidBy === null || paidBy === undefined) continue;
    if (paidBy.organizationId !== organizationId) continue;
    count('UsageRecorded paidBy');
    const charged = credits(data.creditsCharged);
    memberSpend += charged;
    if (paidHolds.has(paidBy.holdId)) problems.push(`${paidBy.holdId} paid two usages`);
    paidHolds.set(paidBy.holdId, { accountId: account, usageId: data.usageId as string, charged });
    for (const a of (data.allocations as { grantId: string }[]) ?? [])
      if (!grants.has(a.grantId))
        problems.push(
          `${account}/${String(data.usageId)}: paid by the pool from ${a.grantId}, not a pool grant`,
        );
    const reservation = reservations.get(paidBy.holdId);
    if (reservation === undefined)
      problems.push(`${account}/${String(data.usageId)}: paid by ${paidBy.holdId}, never reserved`);
    else if (reservation.accountId !== account || reservation.usageId !== data.usageId)
      problems.push(
        `${paidBy.holdId} reserved for ${reservation.accountId}/${reservation.usageId}, paid ${account}/${String(data.usageId)}`,
      );
    else if (reservation.status === 'settled' && reservation.settled !== charged)
      problems.push(
        `${paidBy.holdId}: usage charged ${formatCredits(charged)}, pool settled ${formatCredits(reservation.settled)}`,
      );
    else if (reservation.status === 'released' || reservation.status === 'expired')
      problems.push(
        `${paidBy.holdId}: usage charged ${formatCredits(charged)} but the reservation was ${reservation.status}`,
      );
    if (lapsed.has(paidBy.holdId))
      problems.push(`${paidBy.holdId}: usage recorded after its reservation lapsed`);
  }
  for (const [holdId, reservation] of reservations) {
    if (reservation.status === 'settled' && !paidHolds.has(holdId))
      problems.push(
        `${holdId}: settled ${formatCredits(reservation.settled)} with no usage of ${reservation.accountId} paid by it`,
      );
    if (reservation.status === 'expired' && lapsed.get(holdId) !== reservation.accountId)
      problems.push(`${holdId}: expired without PoolReservationLapsed on ${reservation.accountId}'s stream`);
    if (reservation.status === 'open' && reservation.expiresAt <= now)
      problems.push(`${holdId} still open past its expiry ${new Date(reservation.expiresAt).toISOString()}`);
  }
  if (memberSpend !== pool.consumed)
    problems.push(
      `members spent ${formatCredits(memberSpend)}, the pool was charged ${formatCredits(pool.consumed)}`,
    );
  return { problems, reservations, pool, memberSpend, spent, counts };
}

/** Acknowledged usages missing from the member's stream, or logged otherwise than answered. */
export function orgLostOrChanged(events: readonly LoggedEvent[], acknowledged: readonly OrgSent[]): string[] {
  const decided = new Map<string, { type: string; reason: unknown }>();
  for (const { stream, type, data } of events) {
    const account = ACCOUNT_STREAM.exec(stream)?.[1];
    if (account !== undefined && (type === 'UsageRecorded' || type === 'UsageRejected'))
      decided.set(`${account}/${String(data.usageId)}`, { type, reason: data.reason });
  }
  const problems: string[] = [];
  for (const sent of acknowledged) {
    if (sent.kind !== 'usage') continue;
    const logged = decided.get(`${sent.accountId}/${sent.id}`);
    const status = sent.answer?.status;
    const answer = sent.answer?.json as { reason?: unknown } | undefined;
    const ok =
      logged !== undefined &&
      (status === 402
        ? logged.type === 'UsageRejected' && logged.reason === answer?.reason
        : logged.type === 'UsageRecorded');
    if (!ok)
      problems.push(
        `usage ${JSON.stringify(sent.request.body)} answered ${status} ${sent.answer?.raw.slice(0, 200)}; logged ${JSON.stringify(logged)}`,
      );
  }
  return problems;
}

/** Whether a stream is an organisation's (for readers that split the log). */
export const isOrgStream = (stream: string): boolean => ORG_STREAM.test(stream);
