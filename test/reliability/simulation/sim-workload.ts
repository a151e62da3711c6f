import type { AccountOpType, SimOp } from './sim-types';
import { OrgWorkload } from './sim-workload-orgs';

const PLANS = ['free', 'plus', 'pro', 'business', 'enterprise', 'edu'];
const OPERATIONS: Record<string, string[]> = {
  codex: [
    'local_message',
    'cloud_task',
    'code_review',
    'gpt-5.5:input_tokens',
    'gpt-5.5:cached_input_tokens',
    'gpt-5.5:output_tokens',
  ],
  chatgpt_excel: ['workbook_task', 'workbook_analysis'],
  sora: ['video_second'],
  nope: ['anything'],
};
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Tracked {
  readonly id: string;
  readonly sent: SimOp[];
  readonly purchases: string[];
  readonly grants: string[];
  /** Holds placed (or tried), with their product and lines, to settle, release or expire. */
  readonly holds: { readonly id: string; readonly product: string; readonly lines: Line[] }[];
  /** Usage ids sent (usage and settlements), to reverse. */
  readonly usages: string[];
  /** Holds just placed whose task should end soon: settled (mostly) or released next time. */
  readonly followUps: string[];
  opened: boolean;
}

interface Line {
  readonly operation: string;
  readonly quantity: number;
}

const KEYED: readonly AccountOpType[] = [
  'RecordUsage',
  'PurchaseCredits',
  'GrantCredits',
  'RefundPurchase',
  'ResetAccountLimits',
  'PlaceHold',
  'SettleHold',
  'ReleaseHold',
  'ReverseUsage',
];

/** One step of the simulation: move the clock, then run lanes concurrently (distinct accounts) or one global reset alone. */
export interface Round {
  readonly advanceMs: number;
  readonly lanes: readonly { readonly op: SimOp; readonly duplicate: boolean }[];
}

/**
 * Seeded random workload: many accounts on every plan, usage of every kind (allowance, overage,
 * token pricing, retired and unknown products), purchases, grants, refunds, caps, plan changes,
 * resets, expiry, clock jumps (minutes to weeks, across months), retries, conflicting retries,
 * and the same command sent twice at once.
 */
export class Workload {
  private readonly accounts: Tracked[] = [];
  private readonly globalResets: SimOp[] = [];
  /** Organisations and their members (SPEC §7): one lane of a round at most. */
  private readonly orgLoad = new OrgWorkload(() => this.random());
  /** Whether rounds carry organisation lanes (the harness must serve organisation commands). */
  orgs = false;
  private n = 0;

  constructor(
    private readonly random: () => number,
    private readonly maxLanes: number,
    private readonly maxAccounts: number,
    /** ReverseUsage in the mix (the shell must hand the decider the usage event). */
    private readonly reversals: boolean,
  ) {}

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)];
  }
  private chance(p: number): boolean {
    return this.random() < p;
  }

  next(now: number): Round {
    const r = this.random();
    const advanceMs =
      r < 0.6
        ? 0
        : r < 0.85
          ? this.int(1, 60_000)
          : r < 0.95
            ? this.int(1, 6 * HOUR)
            : r < 0.99
              ? this.int(1, 3 * DAY)
              : this.int(1, 40 * DAY);
    if (this.chance(0.003))
      return { advanceMs, lanes: [{ op: this.globalReset(), duplicate: this.chance(0.2) }] };
    const lanes: Round['lanes'][number][] = [];
    const used = new Set<string>();
    const count = this.int(1, this.maxLanes);
    for (let i = 0; i < count; i += 1) {
      const account = this.accountFor(used);
      used.add(account.id);
      const op = this.accountOp(account, now + advanceMs);
      if (op.kind === 'account' && KEYED.includes(op.type)) {
        account.sent.push(op);
        if (account.sent.length > 64) account.sent.shift();
      }
      lanes.push({ op, duplicate: this.chance(0.05) });
    }
    if (this.chance(0.3))
      lanes.push({ op: this.orgLoad.next(now + advanceMs), duplicate: this.chance(0.05) });
    return { advanceMs, lanes };
  }

  private accountFor(used: ReadonlySet<string>): Tracked {
    const grow = this.accounts.length < 4 || (this.accounts.length < this.maxAccounts && this.chance(0.04));
    if (!grow) {
      // A task under way comes back soon (most settle within minutes of the clock, not days).
      if (this.chance(0.5)) {
        const waiting = this.accounts.filter((a) => a.followUps.length > 0 && !used.has(a.id));
        if (waiting.length > 0) return this.pick(waiting);
      }
      for (let tries = 0; tries < 8; tries += 1) {
        const candidate = this.pick(this.accounts);
        if (!used.has(candidate.id)) return candidate;
      }
    }
    const fresh: Tracked = {
      id: this.chance(0.02) ? `ghost-${this.n++}` : `acct-${this.n++}`,
      sent: [],
      purchases: [],
      grants: [],
      holds: [],
      usages: [],
      followUps: [],
      opened: false,
    };
    this.accounts.push(fresh);
    return fresh;
  }

  private accountOp(account: Tracked, now: number): SimOp {
    const accountId = account.id;
    const op = (type: AccountOpType, data: Record<string, unknown>): SimOp => ({
      kind: 'account',
      type,
      data: { accountId, ...data },
    });
    if (!account.opened && !account.id.startsWith('ghost') && this.chance(0.9)) {
      account.opened = true;
      return op('OpenAccount', { plan: this.chance(0.03) ? 'gold' : this.pick(PLANS) });
    }
    if (account.followUps.length > 0 && this.chance(0.7)) {
      const holdId = account.followUps.shift() as string;
      const hold = account.holds.find((h) => h.id === holdId) ?? { id: holdId, product: 'codex', lines: [] };
      if (this.chance(0.2)) return op('ReleaseHold', { holdId, reason: 'sim' });
      const usageId = `u-${this.n++}`;
      account.usages.push(usageId);
      if (account.usages.length > 64) account.usages.shift();
      return op('SettleHold', { holdId, usageId, lines: this.settled(hold) });
    }
    if (this.chance(0.3)) return this.holdOp(account, op);
    const r = this.random();
    if (r < 0.1 && account.sent.length > 0) return this.retry(account);
    if (r < 0.6) return op('RecordUsage', this.usage(account));
    if (r < 0.69) {
      const purchaseId =
        this.chance(0.03) && account.grants.length > 0 ? this.pick(account.grants) : `p-${this.n++}`;
      account.purchases.push(purchaseId);
      return op('PurchaseCredits', {
        purchaseId,
        ...this.credits(now),
        amountPaid: { amountMinor: this.int(0, 50_000), currency: 'USD' },
      });
    }
    if (r < 0.75) {
      const grantId =
        this.chance(0.03) && account.purchases.length > 0 ? this.pick(account.purchases) : `g-${this.n++}`;
      account.grants.push(grantId);
      const priority = this.chance(0.5) ? { priority: this.int(0, 1000) } : {};
      return op('GrantCredits', { grantId, ...this.credits(now), reason: 'sim', ...priority });
    }
    if (r < 0.78) {
      const purchaseId =
        account.purchases.length > 0 && this.chance(0.9) ? this.pick(account.purchases) : 'nope';
      return op('RefundPurchase', { refundId: `r-${this.n++}`, purchaseId, reason: 'sim' });
    }
    if (r < 0.82)
      return op('SetSpendingCap', { creditsPerMonth: this.chance(0.3) ? null : this.amount(300, true) });
    if (r < 0.86) return op('ChangePlan', { plan: this.chance(0.02) ? 'gold' : this.pick(PLANS) });
    if (r < 0.88)
      return op('ResetAccountLimits', {
        resetId: `ar-${this.n++}`,
        reason: 'sim',
        ...(this.chance(0.5) ? { product: this.pick(['codex', 'chatgpt_excel']) } : {}),
      });
    if (r < 0.9) return op('ExpireCredits', {});
    if (r < 0.91) return op('OpenAccount', { plan: this.pick(PLANS) });
    return op('RecordUsage', this.usage(account));
  }

  /**
   * Holds (SPEC §6): place (lines of one product, ttl from a second to a day, a few invalid), settle
   * within, at or beyond what was held (or a hold already settled, released, expired, unknown),
   * release, the scheduler's ExpireHold, and reversals of usages and settlements.
   */
  private holdOp(account: Tracked, op: (type: AccountOpType, data: Record<string, unknown>) => SimOp): SimOp {
    const r = this.random();
    const known = account.holds.length > 0;
    if (r < 0.06 && account.sent.length > 0) return this.retry(account);
    if (r < 0.36 || !known) {
      const product = this.chance(0.75)
        ? 'codex'
        : this.chance(0.9)
          ? 'chatgpt_excel'
          : this.pick(['sora', 'nope']);
      const lines = this.lines(product, this.int(1, this.chance(0.9) ? 3 : 6));
      const ttl = this.random();
      const ttlSeconds =
        ttl < 0.2
          ? undefined
          : ttl < 0.98
            ? this.pick([1, 30, 600, 7200, 7200, 86_400, 86_400, 86_400, 86_400])
            : this.pick([0, 86_401, 1.5]);
      const holdId = `h-${this.n++}`;
      account.holds.push({ id: holdId, product, lines });
      if (account.holds.length > 32) account.holds.shift();
      if (this.chance(0.6) && account.followUps.length < 4) account.followUps.push(holdId);
      return op('PlaceHold', { holdId, product, lines, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });
    }
    // Mostly one of the latest holds (likely still held), sometimes an old one (settled, released, expired).
    const hold = this.chance(0.03)
      ? { id: `h-${this.n++}`, product: 'codex', lines: [] }
      : this.chance(0.8)
        ? account.holds[account.holds.length - 1 - this.int(0, Math.min(2, account.holds.length - 1))]
        : this.pick(account.holds);
    if (r < 0.7) {
      const usageId = `u-${this.n++}`;
      account.usages.push(usageId);
      if (account.usages.length > 64) account.usages.shift();
      return op('SettleHold', { holdId: hold.id, usageId, lines: this.settled(hold) });
    }
    if (r < 0.8) return op('ReleaseHold', { holdId: hold.id, reason: 'sim' });
    if (r < 0.88 || !this.reversals || account.usages.length === 0)
      return op('ExpireHold', { holdId: hold.id });
    return op('ReverseUsage', {
      reversalId: `rv-${this.n++}`,
      usageId: this.chance(0.03) ? `u-${this.n++}` : this.pick(account.usages),
      reason: 'sim',
    });
  }

  /** Lines of a product's operations (quantities as usage's); `nope`/`sora` are refused anyway. */
  private lines(product: string, count: number): Line[] {
    return Array.from({ length: count }, () => {
      const operation = this.pick(OPERATIONS[product]);
      const small = operation.includes('tokens') ? this.int(1, 40_000) : this.int(1, 12);
      return { operation, quantity: this.chance(0.9) ? small : this.quantity(operation) };
    });
  }

  /** What a settlement reports: the held lines, less (within), more (beyond), or other lines. */
  private settled(hold: { readonly product: string; readonly lines: Line[] }): Line[] {
    const product = OPERATIONS[hold.product] && hold.product !== 'nope' ? hold.product : 'codex';
    if (hold.lines.length === 0 || this.chance(0.1)) return this.lines(product, this.int(1, 4));
    const r = this.random();
    if (r < 0.35) return hold.lines;
    if (r < 0.65)
      return hold.lines.map((l) => ({ ...l, quantity: Math.max(1, Math.floor(l.quantity * this.random())) }));
    if (r < 0.97)
      return [
        ...hold.lines.map((l) => ({ ...l, quantity: l.quantity * this.int(1, 20) })),
        ...(this.chance(0.3) ? this.lines(product, 1) : []),
      ];
    return [{ operation: 'no_such_operation', quantity: 1 }];
  }

  /** The same command again (a client retry), or 1 in 5 times the same id with another payload. */
  private retry(account: Tracked): SimOp {
    const original = this.pick(account.sent);
    if (original.kind !== 'account' || !this.chance(0.2)) return original;
    const data = { ...original.data };
    if (original.type === 'RecordUsage') data.quantity = (data.quantity as number) + 1;
    else data.reason = 'changed';
    return { ...original, data };
  }

  private usage(account: Tracked): Record<string, unknown> {
    const product = this.chance(0.7)
      ? 'codex'
      : this.chance(0.85)
        ? 'chatgpt_excel'
        : this.pick(['sora', 'nope']);
    const operation = this.pick(OPERATIONS[product]);
    const usageId = `u-${this.n++}`;
    account.usages.push(usageId);
    if (account.usages.length > 64) account.usages.shift();
    return { usageId, product, operation, quantity: this.quantity(operation) };
  }

  private quantity(operation: string): number {
    const tokens = operation.includes('tokens');
    const r = this.random();
    return r < 0.01
      ? 0
      : r < 0.03
        ? this.int(1, 1_000_000_000)
        : tokens
          ? this.int(1, 200_000)
          : r < 0.8
            ? this.int(1, 10)
            : this.int(10, 200);
  }

  private credits(now: number): Record<string, unknown> {
    const expiry = this.chance(0.35)
      ? { expiresAt: new Date(now + this.int(-HOUR, 30 * DAY)).toISOString() }
      : {};
    const products = this.chance(0.2)
      ? { products: this.pick([['codex'], ['chatgpt_excel'], ['chatgpt_excel', 'codex']]) }
      : {};
    return { credits: this.amount(200, false), ...expiry, ...products };
  }

  /** A decimal string with 0–6 fractional digits, ≤ max; "0" only when allowed. */
  private amount(max: number, allowZero: boolean): string {
    const whole = this.int(0, max);
    const digits = this.int(0, 6);
    const fraction = digits === 0 ? '' : `.${String(this.int(0, 10 ** digits - 1)).padStart(digits, '0')}`;
    const text = `${whole}${fraction}`;
    return !allowZero && /^0(\.0*)?$/.test(text) ? '0.000001' : text;
  }

  private globalReset(): SimOp {
    if (this.globalResets.length > 0 && this.chance(0.1)) return this.pick(this.globalResets);
    const scope = this.chance(0.5) ? { scope: 'all' } : { scope: 'plan', plan: this.pick(PLANS) };
    const product = this.chance(0.5) ? { product: this.pick(['codex', 'chatgpt_excel']) } : {};
    const op: SimOp = {
      kind: 'global',
      data: { resetId: `gr-${this.n++}`, ...scope, ...product, reason: 'sim' },
    };
    this.globalResets.push(op);
    return op;
  }
}
