import type { OrgOpType } from './model-orgs';
import type { SimOp } from './sim-types';

const ORG_PLANS = ['business', 'enterprise', 'edu'];
const GROUPS = ['eng', 'ops', undefined];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface TrackedOrg {
  readonly id: string;
  opened: boolean;
  readonly members: string[];
  readonly requests: string[];
  readonly sent: SimOp[];
}

interface TrackedMember {
  readonly id: string;
  opened: boolean;
}

/**
 * The organisations part of the seeded workload (SPEC §7): organisations opened on the
 * organisation plans (and a bad one now and then), accounts of their own (`m-<n>`: never touched by
 * the account workload, so their only credits are the pool's) opened, added to an organisation with
 * a group or none, moved between groups, added to a second organisation (409), removed; pool
 * purchases and grants (some expiring within days); spend limits set and cleared at every level;
 * credit requests approved or declined (twice: 409); retries and conflicting retries; and, most of
 * all, members' usage paid from the pool up to their limits. One operation per round: every
 * command on an organisation's stream is decided in the model's order.
 */
export class OrgWorkload {
  private readonly orgs: TrackedOrg[] = [];
  private readonly members: TrackedMember[] = [];
  private n = 0;

  constructor(private readonly random: () => number) {}

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)];
  }
  private chance(p: number): boolean {
    return this.random() < p;
  }

  next(now: number): SimOp {
    const org = (type: OrgOpType, target: TrackedOrg, data: Record<string, unknown>): SimOp => {
      const op: SimOp = { kind: 'org', type, data: { organizationId: target.id, ...data } };
      if (type !== 'AddMember' && type !== 'RemoveMember' && type !== 'SetSpendLimit') {
        target.sent.push(op);
        if (target.sent.length > 32) target.sent.shift();
      }
      return op;
    };
    if (this.orgs.length < 2 || (this.orgs.length < 6 && this.chance(0.01))) {
      const opened: TrackedOrg = { id: `org-${this.n++}`, opened: true, members: [], requests: [], sent: [] };
      this.orgs.push(opened);
      const plan = this.chance(0.03) ? 'gold' : this.pick(ORG_PLANS);
      return {
        kind: 'org',
        type: 'OpenOrganization',
        data: { organizationId: opened.id, plan, name: `Org ${opened.id}` },
      };
    }
    const target = this.pick(this.orgs);
    if (this.members.length < 3 || this.chance(0.02)) {
      const member: TrackedMember = { id: `m-${this.n++}`, opened: false };
      this.members.push(member);
    }
    const fresh = this.members.find((m) => !m.opened);
    if (fresh !== undefined && this.chance(0.5)) {
      fresh.opened = true;
      return {
        kind: 'account',
        type: 'OpenAccount',
        data: { accountId: fresh.id, plan: this.pick(['free', 'plus', 'pro']) },
      };
    }
    const r = this.random();
    if (target.members.length === 0 || r < 0.06) {
      const accountId = this.pick(this.members).id;
      if (!target.members.includes(accountId)) target.members.push(accountId);
      return org('AddMember', target, { accountId, ...this.group() });
    }
    if (r < 0.72) return this.usage(this.pick(target.members));
    if (r < 0.76) {
      const purchaseId = `op-${this.n++}`;
      return org('PurchaseOrgCredits', target, {
        purchaseId,
        ...this.credits(now),
        amountPaid: { amountMinor: this.int(0, 10_000), currency: 'USD' },
      });
    }
    if (r < 0.79) {
      const priority = this.chance(0.5) ? { priority: this.int(0, 1000) } : {};
      return org('GrantOrgCredits', target, {
        grantId: `og-${this.n++}`,
        ...this.credits(now),
        reason: 'sim',
        ...priority,
      });
    }
    if (r < 0.86) {
      const level = this.pick(['default', 'group', 'member'] as const);
      const creditsPerMonth = this.chance(0.2) ? null : this.amount(40);
      const keyOf =
        level === 'default'
          ? {}
          : { key: level === 'group' ? this.pick(['eng', 'ops']) : this.pick(target.members) };
      return org('SetSpendLimit', target, { level, ...keyOf, creditsPerMonth });
    }
    if (r < 0.9) {
      const requestId = `rq-${this.n++}`;
      target.requests.push(requestId);
      return org('RequestCredits', target, {
        requestId,
        accountId: this.chance(0.95) ? this.pick(target.members) : this.pick(this.members).id,
        credits: this.amount(30),
        note: 'sim',
      });
    }
    if (r < 0.94 && target.requests.length > 0) {
      const requestId = this.chance(0.8)
        ? target.requests[target.requests.length - 1]
        : this.pick(target.requests);
      return org('DecideCreditRequest', target, { requestId, approve: this.chance(0.7), note: 'sim' });
    }
    if (r < 0.96 && target.sent.length > 0) return this.retry(target);
    if (r < 0.98) {
      const accountId = this.pick(target.members);
      return org('AddMember', target, { accountId, ...this.group() });
    }
    const accountId = this.pick(target.members);
    target.members.splice(target.members.indexOf(accountId), 1);
    return org('RemoveMember', target, { accountId });
  }

  private group(): Record<string, unknown> {
    const group = this.pick(GROUPS);
    return group === undefined ? {} : { group };
  }

  /** A member's usage: token lines mostly (the pool pays all of it), messages and workbook tasks (allowance first). */
  private usage(accountId: string): SimOp {
    const r = this.random();
    const [product, operation, quantity] =
      r < 0.5
        ? ['codex', 'gpt-5.5:output_tokens', this.int(1, 20_000)]
        : r < 0.8
          ? ['codex', this.pick(['local_message', 'cloud_task']), this.int(1, 60)]
          : ['chatgpt_excel', this.pick(['workbook_task', 'workbook_analysis']), this.int(1, 80)];
    const usageId = `mu-${this.n++}`;
    return {
      kind: 'account',
      type: 'RecordUsage',
      data: { accountId, usageId, product, operation, quantity },
    };
  }

  /** The same organisation command again (a client retry), or 1 in 5 times the same id with another payload. */
  private retry(target: TrackedOrg): SimOp {
    const original = this.pick(target.sent);
    if (original.kind !== 'org' || !this.chance(0.2)) return original;
    const data = { ...original.data };
    if ('credits' in data) data.credits = '1.5';
    else data.note = 'changed';
    return { ...original, data };
  }

  private credits(now: number): Record<string, unknown> {
    const expiry = this.chance(0.3)
      ? { expiresAt: new Date(now + this.int(HOUR, 10 * DAY)).toISOString() }
      : {};
    const products = this.chance(0.15) ? { products: this.pick([['codex'], ['chatgpt_excel']]) } : {};
    return { credits: this.amount(120), ...expiry, ...products };
  }

  /** A positive decimal string with 0–6 fractional digits, ≤ max. */
  private amount(max: number): string {
    const whole = this.int(0, max);
    const digits = this.int(0, 3);
    const fraction = digits === 0 ? '' : `.${String(this.int(1, 10 ** digits - 1)).padStart(digits, '0')}`;
    return whole === 0 && fraction === '' ? '1' : `${whole}${fraction}`;
  }
}
