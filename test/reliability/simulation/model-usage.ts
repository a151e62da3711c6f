import { type Card, decimal, iso, micro, monthOf } from './model-money';
import type { Summary } from './sim-types';

export interface ModelWindow {
  /**
   * The window instance: a window that ends or is reset and opens again — even in the same
   * millisecond — is another instance, and held units lapse with theirs (holds/RULES.md "While a
   * hold is open" 1: "the successor window starts full").
   */
  readonly instance: number;
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
  /** The model's own books of the grant: remaining + held + used + expired + refunded = credits. */
  used: bigint;
  expired: bigint;
  refunded: bigint;
}

/** A hold as SPEC §6 describes it: units kept against window instances, credits kept per grant. */
export interface ModelHold {
  readonly id: string;
  readonly product: string;
  status: 'held' | 'settled' | 'released' | 'expired';
  readonly expiresAt: number;
  readonly allowanceUnits: number;
  /**
   * The window instances (name + start) the units are held in. An instance a reset removes in the
   * millisecond it started leaves this list (holds/RULES.md 1: its successor may share its start),
   * so the settlement's `heldIn` and a reversal never take the successor for it.
   */
  windows: readonly {
    readonly name: string;
    readonly startedAt: number;
    readonly instance: number;
  }[];
  readonly credits: bigint;
  /** Per grant, in the order the lines drew them (burn order): a settlement consumes in this order. */
  readonly allocations: readonly { readonly grantId: string; readonly credits: bigint }[];
}

/** What a recorded usage (or settlement) took, for a later reversal. */
export interface ModelTaken {
  readonly product: string;
  readonly allowanceUnits: number;
  readonly recordedAt: number;
  readonly allocations: readonly { readonly grantId: string; readonly credits: bigint }[];
  readonly windows: readonly { readonly name: string; readonly startedAt: number; readonly units: number }[];
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
  holds: Map<string, ModelHold>;
  /** usageId → what it took (recorded usages and settlements; a rejected usage has none), for ReverseUsage. */
  usages: Map<string, ModelTaken>;
  /** usageId → reversalId. */
  reversals: Map<string, string>;
}

/**
 * What open holds keep, as any new decision must see it: units in a window instance (counted only
 * while that instance is live, which the caller checks), and credits (the cap counts them).
 */
export interface HeldView {
  unitsIn(product: string, window: ModelWindow): number;
  readonly credits: bigint;
}

export function heldViewOf(account: ModelAccount): HeldView {
  const open = [...account.holds.values()].filter((h) => h.status === 'held');
  return {
    unitsIn: (product, window) =>
      open
        .filter((h) => h.product === product && h.windows.some((w) => w.instance === window.instance))
        .reduce((s, h) => s + h.allowanceUnits, 0),
    credits: open.reduce((s, h) => s + h.credits, 0n),
  };
}

/**
 * A window as an event shows it (API.md "Holds and reversals"): `used` what usage consumed, `held`
 * what open holds keep in this instance, remaining = max(0, limit − used − held).
 */
export function windowSnapshot(
  rule: { name: string; limitUnits: number },
  open: ModelWindow | null,
  held: number,
) {
  const used = open?.used ?? 0;
  const kept = open === null ? 0 : held;
  return {
    window: rule.name,
    used,
    held: kept,
    limit: rule.limitUnits,
    remaining: Math.max(0, rule.limitUnits - used - kept),
    startedAt: open ? iso(open.startedAt) : null,
    resetsAt: open ? iso(open.resetsAt) : null,
  };
}

/** The product's plan windows as they stand (live instance or none). */
export function liveWindowsOf(
  card: Card,
  account: ModelAccount,
  resets: readonly ModelReset[],
  product: string,
  now: number,
) {
  const stored = account.windows.get(product) ?? [];
  return planRules(card, account.plan, product).rules.map((rule) => {
    const w = stored.find((s) => s.name === rule.name);
    return { rule, open: w !== undefined && isLive(w, product, account.plan, resets, now) ? w : null };
  });
}

let instances = 0;

/** A window opened at `now` by usage (or a hold, or a settlement): a new instance. */
export function freshWindow(
  rule: { name: string; durationMs: number },
  now: number,
  used: number,
): ModelWindow {
  instances += 1;
  return { instance: instances, name: rule.name, startedAt: now, resetsAt: now + rule.durationMs, used };
}

export const NOTHING_HELD: HeldView = { unitsIn: () => 0, credits: 0n };

/** Whether a window instance is live at `now` (not ended, not voided by a later global reset). */
export function isLive(
  window: ModelWindow,
  product: string,
  plan: string,
  resets: readonly ModelReset[],
  now: number,
): boolean {
  return (
    now < window.resetsAt &&
    !resets.some(
      (r) =>
        (r.scope === 'all' || r.plan === plan) &&
        (r.product === null || r.product === product) &&
        r.resetAt > window.startedAt,
    )
  );
}

/** Plan rules of a product on the account's current plan. */
export function planRules(card: Card, plan: string, product: string) {
  const planEntry = card.plans[plan];
  const entry = planEntry?.products[product];
  return {
    rules: entry?.windows ?? [],
    creditsAllowed: entry ? entry.creditsAllowed : (planEntry?.creditsAllowed ?? true),
  };
}

/** Units × price, with the overage rounded up (SPEC §2). */
export function overageCredits(
  card: Card,
  product: string,
  operation: string,
  quantity: number,
  allowance: number,
) {
  const op = card.products[product].operations[operation];
  const units = quantity * op.unitsPerQuantity;
  const allowanceUnits = Math.min(units, allowance);
  const overageUnits = units - allowanceUnits;
  const price = micro(op.creditsPerQuantity);
  const charge =
    op.unitsPerQuantity === 0
      ? BigInt(quantity) * price
      : overageUnits > 0
        ? (BigInt(overageUnits) * price + BigInt(op.unitsPerQuantity) - 1n) / BigInt(op.unitsPerQuantity)
        : 0n;
  return { units, allowanceUnits, charge, hasOverage: overageUnits > 0 || op.unitsPerQuantity === 0 };
}

/** Credits that can be drawn now, every product (held credits have left `remaining`). */
export function balanceOf(account: ModelAccount, now: number): bigint {
  return account.grants.filter((g) => usable(g, now)).reduce((s, g) => s + g.remaining, 0n);
}

/** Usable grants of a product in burn order. */
export function grantsFor(account: ModelAccount, product: string, now: number): ModelGrant[] {
  return account.grants
    .filter((g) => usable(g, now) && (g.products === null || g.products.includes(product)))
    .sort(burnOrder);
}
export interface ModelReset {
  readonly scope: string;
  readonly plan: string | null;
  readonly product: string | null;
  readonly resetAt: number;
}

export function usable(grant: ModelGrant, now: number): boolean {
  return grant.status === 'open' && grant.remaining > 0n && !expiredAt(grant, now);
}

/** Expiry is inclusive: at `expiresAt` the grant is expired. */
export function expiredAt(grant: ModelGrant, now: number): boolean {
  return grant.expiresAt !== null && now >= grant.expiresAt;
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
 * (summary), and how the account changes when it is accepted. `held` is what open holds keep
 * (SPEC §6: invisible to usage): their units count in the windows they are held in, their credits
 * in the month's spending; the event still records the real `used`, and `remaining` is
 * limit − used − held.
 */
export function evaluateUsage(
  card: Card,
  account: ModelAccount,
  resets: readonly ModelReset[],
  usage: { usageId: string; product: string; operation: string; quantity: number },
  now: number,
  held: HeldView = NOTHING_HELD,
): { summary: Summary; commit: () => void } {
  const { rules, creditsAllowed } = planRules(card, account.plan, usage.product);
  const stored = account.windows.get(usage.product) ?? [];
  const live = rules.map((rule) => {
    const w = stored.find((s) => s.name === rule.name);
    return {
      rule,
      open: w !== undefined && isLive(w, usage.product, account.plan, resets, now) ? w : null,
    };
  });
  const heldIn = (w: ModelWindow | null) => (w === null ? 0 : held.unitsIn(usage.product, w));
  const remainingOf = (l: (typeof live)[number]) =>
    Math.max(0, l.rule.limitUnits - (l.open?.used ?? 0) - heldIn(l.open));
  const allowance = live.length === 0 ? 0 : Math.min(...live.map(remainingOf));
  const { units, allowanceUnits, charge, hasOverage } = overageCredits(
    card,
    usage.product,
    usage.operation,
    usage.quantity,
    allowance,
  );
  const balance = balanceOf(account, now);
  const forProduct = grantsFor(account, usage.product, now);
  const spent = (account.spend.month === monthOf(now) ? account.spend.credits : 0n) + held.credits;
  const snapshot = (l: { rule: { name: string; limitUnits: number }; open: ModelWindow | null }) =>
    windowSnapshot(l.rule, l.open, heldIn(l.open));
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
      heldAfter: decimal(held.credits),
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
            : freshWindow(l.rule, now, allowanceUnits),
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
    heldAfter: decimal(held.credits),
  };
  return {
    summary,
    commit: () => {
      account.windows.set(
        usage.product,
        charged.flatMap((l) => (l.open ? [l.open] : [])),
      );
      for (const a of allocations) {
        a.grant.remaining -= a.take;
        a.grant.used += a.take;
      }
      const month = monthOf(now);
      account.spend = {
        month,
        credits: (account.spend.month === month ? account.spend.credits : 0n) + charge,
      };
      account.usages.set(usage.usageId, {
        product: usage.product,
        allowanceUnits,
        recordedAt: now,
        allocations: allocations.map((a) => ({ grantId: a.grantId, credits: a.take })),
        windows:
          allowanceUnits === 0
            ? []
            : charged.flatMap((l) =>
                l.open ? [{ name: l.open.name, startedAt: l.open.startedAt, units: allowanceUnits }] : [],
              ),
      });
    },
  };
}
