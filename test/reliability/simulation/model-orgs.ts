import { type Card, canonical, DAY, decimal, iso, micro } from './model-money';
import {
  balanceOf,
  evaluateUsage,
  heldViewOf,
  usable,
  type ModelAccount,
  type ModelGrant,
  type ModelReset,
} from './model-usage';
import type { Outcome, Summary } from './sim-types';

/**
 * Organisations in the reference model (SPEC §7, API.md "Organisations", the org design): written
 * from those texts, never from the decider. An organisation's stream owns its pool (grants burnt
 * in the account order), its spend limits, its members and the credit requests; a member's usage
 * takes its windows on the member's stream (on the organisation's plan) and its overage from the
 * pool, checked against the member's effective limit for the UTC month of the ledger clock. The
 * simulation sends at most one command touching an organisation (or its members) per round, so
 * the pool's order is the model's order.
 */
export type OrgOpType =
  | 'OpenOrganization'
  | 'AddMember'
  | 'RemoveMember'
  | 'PurchaseOrgCredits'
  | 'GrantOrgCredits'
  | 'SetSpendLimit'
  | 'RequestCredits'
  | 'DecideCreditRequest';

type Data = Record<string, unknown>;

export interface ModelRequest {
  readonly accountId: string;
  readonly credits: bigint;
  status: 'pending' | 'approved' | 'declined';
}

export interface ModelOrg {
  readonly plan: string;
  readonly name: string;
  readonly members: Map<string, string | null>;
  readonly grants: ModelGrant[];
  readonly limits: { default: bigint | null; groups: Map<string, bigint>; members: Map<string, bigint> };
  readonly requests: Map<string, ModelRequest>;
  /** `accountId@YYYY-MM` → the month's override from an approved request. */
  readonly overrides: Map<string, bigint>;
  /** `accountId@YYYY-MM` → credits the member spent from the pool that month. */
  readonly spent: Map<string, bigint>;
  readonly keys: Map<string, { payload: string; summary: Summary }>;
}

const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const error = (code: string): Outcome => ({ kind: 'error', code });
const monthText = (ms: number) => iso(ms).slice(0, 7);
const key = (accountId: string, month: string) => `${accountId}@${month}`;

export class ReferenceOrgs {
  readonly orgs = new Map<string, ModelOrg>();
  /** accountId → the organisation it is a member of. */
  readonly memberOf = new Map<string, string>();
  /** accountId → its own plan, kept while it has the organisation's. */
  private readonly ownPlan = new Map<string, string>();

  constructor(
    private readonly cardOf: () => Card,
    private readonly accounts: ReadonlyMap<string, ModelAccount>,
    private readonly resets: () => readonly ModelReset[],
  ) {}

  private card(): Card {
    return this.cardOf();
  }

  /** The member's effective limit this month and where it comes from (most specific wins). */
  effectiveLimit(
    org: ModelOrg,
    accountId: string,
    month: string,
  ): { limit: bigint | null; source: 'member' | 'group' | 'default' | null } {
    const override = org.overrides.get(key(accountId, month));
    if (override !== undefined) return { limit: override, source: 'member' };
    const own = org.limits.members.get(accountId);
    if (own !== undefined) return { limit: own, source: 'member' };
    const group = org.members.get(accountId) ?? null;
    const byGroup = group === null ? undefined : org.limits.groups.get(group);
    if (byGroup !== undefined) return { limit: byGroup, source: 'group' };
    if (org.limits.default !== null) return { limit: org.limits.default, source: 'default' };
    return { limit: null, source: null };
  }

  /** Credits the pool can still pay (every product), as the organisation view calls the balance. */
  poolBalance(organizationId: string, now: number): bigint {
    const org = this.orgs.get(organizationId);
    return (org?.grants ?? []).filter((g) => usable(g, now)).reduce((s, g) => s + g.remaining, 0n);
  }

  run(type: OrgOpType, data: Data, now: number): Outcome {
    const organizationId = data.organizationId as string;
    const org = this.orgs.get(organizationId);
    if (type === 'OpenOrganization') return this.open(organizationId, org, data);
    if (org === undefined) return error('not_found');
    const written = this.writeOffs(org, now, true);
    const decided = this.decide(type, data, organizationId, org, now);
    // A no-op by value (same group, same limit) still appends the write-offs it found (decideOrganization),
    // and answers as a no-op (as an account's does); membership is observed by what the stream gained.
    if (decided.kind !== 'appended' && !(decided.kind === 'unchanged' && written.length > 0)) return decided;
    const all = [...written, ...(decided.kind === 'appended' ? decided.events : [])];
    if (all.length === 0) return { kind: 'unchanged' };
    this.writeOffs(org, now, false);
    if (decided.kind === 'unchanged' && type !== 'AddMember' && type !== 'RemoveMember') return decided;
    return { kind: 'appended', events: all };
  }

  private open(organizationId: string, org: ModelOrg | undefined, data: Data): Outcome {
    const summary = { type: 'OrganizationOpened', plan: data.plan, name: data.name };
    if (org !== undefined)
      return org.plan === data.plan && org.name === data.name
        ? { kind: 'replayed', event: summary }
        : error('conflict');
    if (!ID.test(organizationId) || !((data.plan as string) in this.card().plans)) return error('invalid');
    this.orgs.set(organizationId, {
      plan: data.plan as string,
      name: data.name as string,
      members: new Map(),
      grants: [],
      limits: { default: null, groups: new Map(), members: new Map() },
      requests: new Map(),
      overrides: new Map(),
      spent: new Map(),
      keys: new Map(),
    });
    return { kind: 'appended', events: [summary] };
  }

  /** Pool grants past their expiry with credits left: written off (when `dryRun`, only reported). */
  private writeOffs(org: ModelOrg, now: number, dryRun: boolean): Summary[] {
    const expiring = org.grants
      .filter((g) => g.status === 'open' && g.remaining > 0n && g.expiresAt !== null && now >= g.expiresAt)
      .sort((a, b) => (a.expiresAt as number) - (b.expiresAt as number) || (a.id < b.id ? -1 : 1));
    return expiring.map((g) => {
      const summary = { type: 'OrgCreditsExpired', grantId: g.id, credits: decimal(g.remaining) };
      if (!dryRun) {
        g.expired += g.remaining;
        [g.status, g.remaining] = ['written_off', 0n];
      }
      return summary;
    });
  }

  private decide(type: OrgOpType, data: Data, organizationId: string, org: ModelOrg, now: number): Outcome {
    switch (type) {
      case 'AddMember': {
        const accountId = data.accountId as string;
        const account = this.accounts.get(accountId);
        const group = (data.group as string | undefined) ?? null;
        if (account === undefined) return error('not_found');
        const other = this.memberOf.get(accountId);
        if (other !== undefined && other !== organizationId) return error('conflict');
        if (org.members.has(accountId)) {
          if (org.members.get(accountId) === group) return { kind: 'unchanged' };
          org.members.set(accountId, group);
          return { kind: 'appended', events: [{ type: 'MemberGroupChanged', accountId, group }] };
        }
        org.members.set(accountId, group);
        this.memberOf.set(accountId, organizationId);
        this.ownPlan.set(accountId, account.plan);
        account.plan = org.plan;
        return { kind: 'appended', events: [{ type: 'MemberAdded', accountId, group }] };
      }
      case 'RemoveMember': {
        const accountId = data.accountId as string;
        // Off the organisation first, then LeaveOrganization on the account: an account that does not exist is a 404.
        if (!org.members.has(accountId))
          return this.accounts.has(accountId) ? { kind: 'unchanged' } : error('not_found');
        org.members.delete(accountId);
        this.memberOf.delete(accountId);
        const account = this.accounts.get(accountId);
        if (account !== undefined) account.plan = this.ownPlan.get(accountId) ?? account.plan;
        return { kind: 'appended', events: [{ type: 'MemberRemoved', accountId }] };
      }
      case 'PurchaseOrgCredits':
      case 'GrantOrgCredits': {
        const kind = type === 'PurchaseOrgCredits' ? 'purchase' : 'promotional';
        const id = (kind === 'purchase' ? data.purchaseId : data.grantId) as string;
        return this.keyed(org, `${kind}:${id}`, type, data, () => this.credit(org, data, kind, id, now));
      }
      case 'SetSpendLimit': {
        const level = data.level as 'default' | 'group' | 'member';
        const limitKey = (data.key as string | undefined) ?? null;
        const value = data.creditsPerMonth === null ? null : micro(data.creditsPerMonth as string);
        const map = level === 'group' ? org.limits.groups : org.limits.members;
        // A member limit needs a member (a conflict, not bad input: the account may join later).
        if (level === 'member' && !org.members.has(limitKey as string)) return error('conflict');
        const current = level === 'default' ? org.limits.default : (map.get(limitKey as string) ?? null);
        if (current === value) return { kind: 'unchanged' };
        if (level === 'default') org.limits.default = value;
        else if (value === null) map.delete(limitKey as string);
        else map.set(limitKey as string, value);
        // The admin's latest word on a member replaces an approved request's month override.
        if (level === 'member')
          for (const k of [...org.overrides.keys()])
            if (k.startsWith(key(limitKey as string, ''))) org.overrides.delete(k);
        const summary = {
          type: 'SpendLimitSet',
          level,
          key: level === 'default' ? null : limitKey,
          creditsPerMonth: value === null ? null : decimal(value),
        };
        return { kind: 'appended', events: [summary] };
      }
      case 'RequestCredits':
        return this.keyed(org, `request:${data.requestId as string}`, type, data, () => {
          const accountId = data.accountId as string;
          if (!org.members.has(accountId)) return { outcome: error('conflict') };
          const credits = micro(data.credits as string);
          const summary = {
            type: 'CreditsRequested',
            requestId: data.requestId,
            accountId,
            credits: decimal(credits),
          };
          return {
            summary,
            commit: () =>
              org.requests.set(data.requestId as string, { accountId, credits, status: 'pending' }),
          };
        });
      case 'DecideCreditRequest':
        return this.keyed(org, `decision:${data.requestId as string}`, type, data, () => {
          const request = org.requests.get(data.requestId as string);
          if (request === undefined) return { outcome: error('not_found') };
          if (request.status !== 'pending') return { outcome: error('conflict') };
          if (data.approve !== true) {
            const summary = { type: 'CreditRequestDeclined', requestId: data.requestId };
            return { summary, commit: () => (request.status = 'declined') };
          }
          const month = monthText(now);
          const { limit } = this.effectiveLimit(org, request.accountId, month);
          const override = limit === null ? null : limit + request.credits;
          const summary = {
            type: 'CreditRequestApproved',
            requestId: data.requestId,
            accountId: request.accountId,
            month,
            limitBefore: limit === null ? null : decimal(limit),
            override: override === null ? null : decimal(override),
          };
          return {
            summary,
            commit: () => {
              request.status = 'approved';
              if (override !== null) org.overrides.set(key(request.accountId, month), override);
            },
          };
        });
      default:
        throw new Error(`the reference model does not know ${String(type)}`);
    }
  }

  /** Idempotency on the organisation's stream: same key and payload → the original event; other payload → conflict. */
  private keyed(
    org: ModelOrg,
    idempotencyKey: string,
    type: string,
    data: Data,
    decide: () => { outcome: Outcome } | { summary: Summary; commit: () => void },
  ): Outcome {
    const payload = canonical({ type, ...data });
    const seen = org.keys.get(idempotencyKey);
    if (seen !== undefined)
      return seen.payload === payload ? { kind: 'replayed', event: seen.summary } : error('conflict');
    const decided = decide();
    if ('outcome' in decided) return decided.outcome;
    decided.commit();
    org.keys.set(idempotencyKey, { payload, summary: decided.summary });
    return { kind: 'appended', events: [decided.summary] };
  }

  private credit(
    org: ModelOrg,
    data: Data,
    kind: ModelGrant['kind'],
    id: string,
    now: number,
  ): { outcome: Outcome } | { summary: Summary; commit: () => void } {
    const expiresAt = data.expiresAt === undefined ? null : Date.parse(data.expiresAt as string);
    if (expiresAt !== null && expiresAt <= now) return { outcome: error('invalid') };
    if (org.grants.some((g) => g.id === id)) return { outcome: error('conflict') };
    const products = (data.products as string[] | undefined) ?? null;
    const grant: ModelGrant = {
      id,
      kind,
      credits: micro(data.credits as string),
      remaining: micro(data.credits as string),
      expiresAt:
        expiresAt ?? (kind === 'purchase' ? now + this.card().credits.defaultExpiryDays * DAY : null),
      products,
      priority: (data.priority as number | undefined) ?? 100,
      grantedAt: now,
      status: 'open',
      amountMinor: kind === 'purchase' ? (data.amountPaid as { amountMinor: number }).amountMinor : 0,
      used: 0n,
      expired: 0n,
      refunded: 0n,
    };
    const summary = {
      type: kind === 'purchase' ? 'OrgCreditsPurchased' : 'OrgCreditsGranted',
      id,
      credits: decimal(grant.credits),
      expiresAt: grant.expiresAt === null ? null : iso(grant.expiresAt),
      products,
      priority: grant.priority,
    };
    return { summary, commit: () => org.grants.push(grant) };
  }

  /**
   * RecordUsage of a member, after the account's idempotency and validation: windows on the
   * member's stream (the organisation's plan), the overage from the pool's grants in burn order
   * (the member's own grants wait), refused `member_limit_reached` past the effective limit for the
   * month (with its source and the limit), `insufficient_credits` when the pool cannot pay.
   */
  memberUsage(
    account: ModelAccount,
    accountId: string,
    usage: { usageId: string; product: string; operation: string; quantity: number },
    now: number,
  ): { summary: Summary; commit: () => void } {
    const organizationId = this.memberOf.get(accountId) as string;
    const org = this.orgs.get(organizationId) as ModelOrg;
    const asPaidByPool: ModelAccount = {
      ...account,
      grants: org.grants,
      cap: null,
      spend: { month: 0, credits: 0n },
    };
    const evaluated = evaluateUsage(
      this.card(),
      asPaidByPool,
      this.resets(),
      usage,
      now,
      heldViewOf(account),
    );
    const summary = evaluated.summary;
    const charge = micro(String(summary.creditsCharged ?? summary.requiredCredits ?? '0'));
    // Without the pool (windows cover it, or the plan allows no overage) the answer shows the member's own balance.
    const own = decimal(balanceOf(account, now));
    if (charge === 0n || summary.reason === 'overage_not_allowed')
      return { summary: { ...summary, balanceAfter: own }, commit: evaluated.commit };
    // The reservation (or the pool's refusal) appends to the pool's stream: expired pool credits are written off first.
    this.writeOffs(org, now, false);
    const month = monthText(now);
    const spent = org.spent.get(key(accountId, month)) ?? 0n;
    const { limit, source } = this.effectiveLimit(org, accountId, month);
    const pool = this.poolBalance(organizationId, now);
    // API.md: what the pool still offers the member — the lesser of the pool and what is left of its limit.
    const openToMember = (poolLeft: bigint, spentNow: bigint) => {
      const left = limit === null ? null : limit - spentNow > 0n ? limit - spentNow : 0n;
      return decimal(left !== null && left < poolLeft ? left : poolLeft);
    };
    const refusal = (reason: string): { summary: Summary; commit: () => void } => {
      // The same usage refused (nothing to pay it with): the windows as they stand, when the allowance would cover it.
      const refused = evaluateUsage(
        this.card(),
        { ...asPaidByPool, grants: [] },
        this.resets(),
        usage,
        now,
        heldViewOf(account),
      ).summary;
      return {
        summary: {
          ...refused,
          reason,
          balanceAfter: openToMember(pool, spent),
          organizationId,
          limitSource: source,
          limit: limit === null ? null : decimal(limit),
        },
        commit: () => undefined,
      };
    };
    if (limit !== null && spent + charge > limit) return refusal('member_limit_reached');
    if (summary.type === 'UsageRejected') return refusal('insufficient_credits');
    const holdId = `member-usage:n:${accountId.length}:${accountId}:${usage.usageId}`;
    return {
      summary: {
        ...summary,
        balanceAfter: openToMember(pool - charge, spent + charge),
        paidBy: { organizationId, holdId },
      },
      commit: () => {
        evaluated.commit();
        org.spent.set(key(accountId, month), spent + charge);
      },
    };
  }
}
