import { type Card, decimal, iso, micro, monthOf } from './model-money';
import type { Summary } from './sim-types';

export interface ModelWindow {
  readonly name: string;
  readonly startedAt: number;
  readonly resetsAt: number;
  readonly used: number;
}
export interface ModelGrant {
  readonly id: string;
  readonly kind: 'purchase' | 'promotional';
  readonly credits: bigint;
  remaining: bigint;
  readonly expiresAt: number | null;
  readonly products: readonly string[] | null;
  readonly priority: number;
  readonly grantedAt: number;
  status: 'open' | 'written_off' | 'refunded';
  readonly amountMinor: number;
}
export interface ModelAccount {
  plan: string;
  readonly openedPlan: string;
  /** Per product, the windows opened by usage (limits always come from the current plan). */
  windows: Map<string, ModelWindow[]>;
  grants: ModelGrant[];
  cap: bigint | null;
  spend: { month: number; credits: bigint };
  keys: Map<string, { payload: string; summary: Summary }>;
}
export interface ModelReset {
  readonly scope: string;
  readonly plan: string | null;
  readonly product: string | null;
  readonly resetAt: number;
}

export function usable(grant: ModelGrant, now: number): boolean {
  return (
    grant.status === 'open' && grant.remaining > 0n && (grant.expiresAt === null || now < grant.expiresAt)
  );
}

/** Burn order of SPEC §2: priority, expiry (never last), promotional first, grant time, id. */
function burnOrder(a: ModelGrant, b: ModelGrant): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const ea = a.expiresAt ?? Infinity;
  const eb = b.expiresAt ?? Infinity;
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.kind !== b.kind) return a.kind === 'promotional' ? -1 : 1;
  if (a.grantedAt !== b.grantedAt) return a.grantedAt - b.grantedAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * RecordUsage on an open account, after idempotency and validation: the event it must produce
 * (summary), and how the account changes when it is accepted.
 */
export function evaluateUsage(
  card: Card,
  account: ModelAccount,
  resets: readonly ModelReset[],
  usage: { usageId: string; product: string; operation: string; quantity: number },
  now: number,
): { summary: Summary; commit: () => void } {
  const planEntry = card.plans[account.plan];
  const entry = planEntry?.products[usage.product];
  const rules = entry?.windows ?? [];
  const creditsAllowed = entry ? entry.creditsAllowed : (planEntry?.creditsAllowed ?? true);
  const op = card.products[usage.product].operations[usage.operation];
  const stored = account.windows.get(usage.product) ?? [];
  const live = rules.map((rule) => {
    const w = stored.find((s) => s.name === rule.name);
    const voided = (w: ModelWindow) =>
      resets.some(
        (r) =>
          (r.scope === 'all' || r.plan === account.plan) &&
          (r.product === null || r.product === usage.product) &&
          r.resetAt > w.startedAt,
      );
    return { rule, open: w !== undefined && now < w.resetsAt && !voided(w) ? w : null };
  });
  const remainingOf = (l: (typeof live)[number]) => Math.max(0, l.rule.limitUnits - (l.open?.used ?? 0));
  const allowance = live.length === 0 ? 0 : Math.min(...live.map(remainingOf));
  const units = usage.quantity * op.unitsPerQuantity;
  const allowanceUnits = Math.min(units, allowance);
  const overageUnits = units - allowanceUnits;
  const price = micro(op.creditsPerQuantity);
  const charge =
    op.unitsPerQuantity === 0
      ? BigInt(usage.quantity) * price
      : overageUnits > 0
        ? (BigInt(overageUnits) * price + BigInt(op.unitsPerQuantity) - 1n) / BigInt(op.unitsPerQuantity)
        : 0n;
  const hasOverage = overageUnits > 0 || op.unitsPerQuantity === 0;
  const balance = account.grants.filter((g) => usable(g, now)).reduce((s, g) => s + g.remaining, 0n);
  const forProduct = account.grants
    .filter((g) => usable(g, now) && (g.products === null || g.products.includes(usage.product)))
    .sort(burnOrder);
  const spent = account.spend.month === monthOf(now) ? account.spend.credits : 0n;
  const snapshot = (l: { rule: { name: string; limitUnits: number }; open: ModelWindow | null }) => ({
    window: l.rule.name,
    used: l.open?.used ?? 0,
    limit: l.rule.limitUnits,
    remaining: Math.max(0, l.rule.limitUnits - (l.open?.used ?? 0)),
    startedAt: l.open ? iso(l.open.startedAt) : null,
    resetsAt: l.open ? iso(l.open.resetsAt) : null,
  });
  const reason =
    hasOverage && !creditsAllowed
      ? 'overage_not_allowed'
      : account.cap !== null && charge > 0n && spent + charge > account.cap
        ? 'spending_cap_reached'
        : forProduct.reduce((s, g) => s + g.remaining, 0n) < charge
          ? 'insufficient_credits'
          : null;
  if (reason !== null) {
    const blocking = live.filter((l) => remainingOf(l) < units && l.open !== null);
    const waitless =
      units === 0 ||
      live.length === 0 ||
      live.some((l) => l.rule.limitUnits < units) ||
      blocking.length === 0;
    const resetsAt = waitless
      ? null
      : iso(Math.max(...blocking.map((l) => (l.open as ModelWindow).resetsAt)));
    const summary = {
      type: 'UsageRejected',
      usageId: usage.usageId,
      reason,
      requiredCredits: decimal(charge),
      resetsAt,
      windows: live.map(snapshot),
      balanceAfter: decimal(balance),
    };
    return { summary, commit: () => undefined };
  }
  const charged = live.map((l) =>
    allowanceUnits === 0
      ? l
      : {
          rule: l.rule,
          open: l.open
            ? { ...l.open, used: l.open.used + allowanceUnits }
            : { name: l.rule.name, startedAt: now, resetsAt: now + l.rule.durationMs, used: allowanceUnits },
        },
  );
  const allocations: { grantId: string; credits: string; grant: ModelGrant; take: bigint }[] = [];
  let left = charge;
  for (const grant of forProduct) {
    if (left === 0n) break;
    const take = grant.remaining < left ? grant.remaining : left;
    allocations.push({ grantId: grant.id, credits: decimal(take), grant, take });
    left -= take;
  }
  const summary = {
    type: 'UsageRecorded',
    usageId: usage.usageId,
    allowanceUnits,
    creditsCharged: decimal(charge),
    allocations: allocations.map(({ grantId, credits }) => ({ grantId, credits })),
    windows: charged.map(snapshot),
    balanceAfter: decimal(balance - charge),
  };
  return {
    summary,
    commit: () => {
      account.windows.set(
        usage.product,
        charged.flatMap((l) => (l.open ? [l.open] : [])),
      );
      for (const a of allocations) a.grant.remaining -= a.take;
      const month = monthOf(now);
      account.spend = {
        month,
        credits: (account.spend.month === month ? account.spend.credits : 0n) + charge,
      };
    },
  };
}
