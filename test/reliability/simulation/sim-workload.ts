import type { AccountOpType, SimOp } from './sim-types';

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
  opened: boolean;
}

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
  private n = 0;

  constructor(
    private readonly random: () => number,
    private readonly maxLanes: number,
    private readonly maxAccounts: number,
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
      if (
        op.kind === 'account' &&
        ['RecordUsage', 'PurchaseCredits', 'GrantCredits', 'RefundPurchase', 'ResetAccountLimits'].includes(
          op.type,
        )
      ) {
        account.sent.push(op);
        if (account.sent.length > 64) account.sent.shift();
      }
      lanes.push({ op, duplicate: this.chance(0.05) });
    }
    return { advanceMs, lanes };
  }

  private accountFor(used: ReadonlySet<string>): Tracked {
    const grow = this.accounts.length < 4 || (this.accounts.length < this.maxAccounts && this.chance(0.04));
    if (!grow) {
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
    const r = this.random();
    if (r < 0.1 && account.sent.length > 0) return this.retry(account);
    if (r < 0.6) return op('RecordUsage', this.usage());
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
    return op('RecordUsage', this.usage());
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

  private usage(): Record<string, unknown> {
    const product = this.chance(0.7)
      ? 'codex'
      : this.chance(0.85)
        ? 'chatgpt_excel'
        : this.pick(['sora', 'nope']);
    const operation = this.pick(OPERATIONS[product]);
    const tokens = operation.includes('tokens');
    const r = this.random();
    const quantity =
      r < 0.01
        ? 0
        : r < 0.03
          ? this.int(1, 1_000_000_000)
          : tokens
            ? this.int(1, 200_000)
            : r < 0.8
              ? this.int(1, 10)
              : this.int(10, 200);
    return { usageId: `u-${this.n++}`, product, operation, quantity };
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
