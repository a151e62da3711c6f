import { type Card, canonical, DAY, decimal, iso, micro } from './model-money';
import {
  expireDueHolds,
  expireHold,
  heldOn,
  placeHold,
  releaseHold,
  reverseUsage,
  settleHold,
} from './model-holds';
import {
  evaluateUsage,
  heldViewOf,
  type ModelAccount,
  type ModelGrant,
  type ModelReset,
} from './model-usage';
import { ReferenceOrgs } from './model-orgs';
import type { Decided, Outcome, SimOp, Summary } from './sim-types';

const ID = /^[A-Za-z0-9._:-]{1,128}$/;
type Data = Record<string, unknown>;

const error = (code: string): Outcome => ({ kind: 'error', code });
const none: Decided = { kind: 'events', events: [], commit: () => undefined };
const one = (summary: Summary, commit: () => void): Decided => ({
  kind: 'events',
  events: [summary],
  commit,
});

/**
 * The obviously-correct ledger: plain maps, one rule per branch, written from SPEC.md, API.md
 * and the decisions of libs/domain/RULES.md — never from the decider's code.
 */
export class ReferenceLedger {
  readonly accounts = new Map<string, ModelAccount>();
  private readonly resets: ModelReset[] = [];
  private readonly resetKeys = new Map<string, { payload: string; summary: Summary }>();
  /** Organisations (SPEC §7): their pools, limits and members, beside the accounts. */
  readonly orgs = new ReferenceOrgs(
    () => this.card,
    this.accounts,
    () => this.resets,
  );

  constructor(private readonly card: Card) {}

  run(op: SimOp, now: number): Outcome {
    if (op.kind === 'global') return this.globalReset(op.data, now);
    if (op.kind === 'org') return this.orgs.run(op.type, op.data as Data, now);
    const data = op.data as Data;
    const accountId = data.accountId as string;
    const account = this.accounts.get(accountId);
    if (op.type === 'OpenAccount') return this.open(accountId, account, data.plan as string);
    if (account === undefined) return error('not_found');
    // Lazy expiry (holds first, giving their credits back, then grants): decided first, appended
    // only when the command itself appends.
    const due =
      [...account.holds.values()].some((h) => h.status === 'held' && now >= h.expiresAt) ||
      account.grants.some(
        (g) => g.status === 'open' && g.remaining > 0n && g.expiresAt !== null && now >= g.expiresAt,
      );
    const undo = due ? savedOf(account) : () => undefined;
    const written = due ? [...expireDueHolds(account, now), ...this.writeOffs(account, now)] : [];
    const decided = this.decide(op.type, data, account, now);
    if (decided.kind !== 'events' || written.length + decided.events.length === 0) {
      undo();
      return decided.kind === 'events' ? { kind: 'unchanged' } : decided;
    }
    decided.commit();
    // A no-op by value (same plan, same cap) that only wrote off expired credits or expired holds on
    // its way answers as a no-op: the write-offs are in the log all the same (lead's decision in
    // 37af8aa, holds added by issue 17). The schedulers' sweeps answer with what they appended.
    if (decided.events.length === 0 && op.type !== 'ExpireCredits' && op.type !== 'ExpireHold')
      return { kind: 'unchanged' };
    return { kind: 'appended', events: [...written, ...decided.events] };
  }

  /** Grants whose expiry passed with credits left: written off, oldest expiry first. */
  private writeOffs(account: ModelAccount, now: number): Summary[] {
    const expiring = account.grants
      .filter((g) => g.status === 'open' && g.remaining > 0n && g.expiresAt !== null && now >= g.expiresAt)
      .sort((a, b) => (a.expiresAt as number) - (b.expiresAt as number) || (a.id < b.id ? -1 : 1));
    return expiring.map((g) => {
      const summary = { type: 'CreditsExpired', grantId: g.id, credits: decimal(g.remaining) };
      g.expired += g.remaining;
      [g.status, g.remaining] = ['written_off', 0n];
      return summary;
    });
  }

  private open(accountId: string, account: ModelAccount | undefined, plan: string): Outcome {
    if (account !== undefined) {
      // RULES.md: idempotent by the opening payload (the plan it was opened with, whatever the
      // plan is now); the replay is the opening event itself.
      return account.openedPlan === plan
        ? { kind: 'replayed', event: { type: 'AccountOpened', plan: account.openedPlan } }
        : error('conflict');
    }
    if (!ID.test(accountId) || !(plan in this.card.plans)) return error('invalid');
    this.accounts.set(accountId, {
      plan,
      openedPlan: plan,
      windows: new Map(),
      grants: [],
      cap: null,
      spend: { month: 0, credits: 0n },
      keys: new Map(),
      holds: new Map(),
      usages: new Map(),
      reversals: new Map(),
    });
    return { kind: 'appended', events: [{ type: 'AccountOpened', plan }] };
  }

  private decide(type: string, data: Data, account: ModelAccount, now: number): Decided {
    switch (type) {
      case 'ChangePlan': {
        const to = data.plan as string;
        if (!(to in this.card.plans)) return error('invalid');
        if (to === account.plan) return none;
        const from = account.plan;
        return one({ type: 'PlanChanged', from, to }, () => (account.plan = to));
      }
      case 'RecordUsage':
        return this.keyed(account, `usage:${data.usageId as string}`, type, data, () =>
          this.usage(account, data, now),
        );
      case 'PurchaseCredits':
        return this.keyed(account, `purchase:${data.purchaseId as string}`, type, data, () =>
          this.credit(account, data, 'purchase', now),
        );
      case 'GrantCredits':
        return this.keyed(account, `grant:${data.grantId as string}`, type, data, () =>
          this.credit(account, data, 'promotional', now),
        );
      case 'RefundPurchase':
        // A purchase whose credits an open hold keeps is not refunded until the hold ends (409).
        return this.keyed(account, `refund:${data.refundId as string}`, type, data, () =>
          heldOn(account, data.purchaseId as string) > 0n ? error('conflict') : this.refund(account, data),
        );
      case 'SetSpendingCap': {
        const cap = data.creditsPerMonth === null ? null : micro(data.creditsPerMonth as string);
        if (cap === account.cap) return none;
        return one(
          { type: 'SpendingCapSet', creditsPerMonth: cap === null ? null : decimal(cap) },
          () => (account.cap = cap),
        );
      }
      case 'ExpireCredits':
        return none;
      case 'PlaceHold':
        return this.keyed(account, `hold:${data.holdId as string}`, type, data, () =>
          placeHold(this.card, account, this.resets, data, now),
        );
      case 'SettleHold':
        return this.keyed(account, `usage:${data.usageId as string}`, type, data, () =>
          settleHold(this.card, account, this.resets, data, now),
        );
      case 'ReleaseHold':
        return this.keyed(account, `release:${data.holdId as string}`, type, data, () =>
          releaseHold(account, data, now),
        );
      case 'ExpireHold':
        return expireHold(account, data);
      case 'ReverseUsage':
        return this.keyed(account, `reversal:${data.reversalId as string}`, type, data, () =>
          reverseUsage(account, this.resets, data, now),
        );
      case 'ResetAccountLimits':
        return this.keyed(account, `reset:${data.resetId as string}`, type, data, () => {
          const product = (data.product as string | undefined) ?? null;
          if (product !== null && !(product in this.card.products)) return error('invalid');
          return one({ type: 'AccountLimitsReset', resetId: data.resetId, product }, () => {
            if (product === null) account.windows.clear();
            else account.windows.delete(product);
            for (const hold of account.holds.values()) {
              if (hold.status !== 'held' || (product !== null && hold.product !== product)) continue;
              hold.windows = hold.windows.filter((w) => w.startedAt < now);
            }
          });
        });
      default:
        throw new Error(`the reference model does not know ${type}`);
    }
  }

  /** Idempotency: same key and payload → the original event; same key, other payload → conflict. */
  private keyed(
    account: ModelAccount,
    key: string,
    type: string,
    data: Data,
    decide: () => Decided,
  ): Decided {
    // The command's type is part of the request: a settlement cannot reuse a usage's id.
    const payload = canonical({ type, ...data });
    const seen = account.keys.get(key);
    if (seen !== undefined)
      return seen.payload === payload ? { kind: 'replayed', event: seen.summary } : error('conflict');
    const decided = decide();
    if (decided.kind !== 'events') return decided;
    const summary = decided.events[decided.events.length - 1];
    const commit = () => {
      decided.commit();
      account.keys.set(key, { payload, summary });
    };
    return { ...decided, commit };
  }

  private usage(account: ModelAccount, data: Data, now: number): Decided {
    const product = this.card.products[data.product as string];
    const quantity = data.quantity as number;
    if (product === undefined || product.retired || !((data.operation as string) in product.operations))
      return error('invalid');
    if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > 1_000_000_000) return error('invalid');
    if (this.orgs.memberOf.has(data.accountId as string)) {
      const member = this.orgs.memberUsage(account, data.accountId as string, data as never, now);
      return one(member.summary, member.commit);
    }
    // Held units and credits are invisible to usage (SPEC §6).
    const evaluated = evaluateUsage(this.card, account, this.resets, data as never, now, heldViewOf(account));
    return one(evaluated.summary, evaluated.commit);
  }

  private credit(account: ModelAccount, data: Data, kind: ModelGrant['kind'], now: number): Decided {
    const id = (kind === 'purchase' ? data.purchaseId : data.grantId) as string;
    const expiresAt = data.expiresAt === undefined ? null : Date.parse(data.expiresAt as string);
    if (expiresAt !== null && expiresAt <= now) return error('invalid');
    if (account.grants.some((g) => g.id === id && g.kind !== kind)) return error('conflict');
    const products = (data.products as string[] | undefined) ?? null;
    const grant: ModelGrant = {
      id,
      kind,
      credits: micro(data.credits as string),
      remaining: micro(data.credits as string),
      expiresAt: expiresAt ?? (kind === 'purchase' ? now + this.card.credits.defaultExpiryDays * DAY : null),
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
      type: kind === 'purchase' ? 'CreditsPurchased' : 'CreditsGranted',
      id,
      credits: decimal(grant.credits),
      expiresAt: grant.expiresAt === null ? null : iso(grant.expiresAt),
      products,
      priority: grant.priority,
    };
    return one(summary, () => account.grants.push(grant));
  }

  private refund(account: ModelAccount, data: Data): Decided {
    const purchase = account.grants.find((g) => g.id === data.purchaseId && g.kind === 'purchase');
    if (purchase === undefined) return error('not_found');
    if (purchase.status === 'refunded') return error('conflict');
    const remaining = purchase.status === 'open' ? purchase.remaining : 0n;
    const amountMinor =
      remaining === 0n ? 0 : Number((BigInt(purchase.amountMinor) * remaining) / purchase.credits);
    const summary = {
      type: 'PurchaseRefunded',
      refundId: data.refundId,
      purchaseId: purchase.id,
      credits: decimal(remaining),
      amountMinor,
    };
    return one(summary, () => {
      purchase.refunded += remaining;
      [purchase.status, purchase.remaining] = ['refunded', 0n];
    });
  }

  private globalReset(data: Data, now: number): Outcome {
    const key = data.resetId as string;
    const payload = canonical(data);
    const seen = this.resetKeys.get(key);
    if (seen !== undefined)
      return seen.payload === payload ? { kind: 'replayed', event: seen.summary } : error('conflict');
    const plan = (data.plan as string | undefined) ?? null;
    const product = (data.product as string | undefined) ?? null;
    if (data.scope === 'plan' && (plan === null || !(plan in this.card.plans))) return error('invalid');
    if (product !== null && !(product in this.card.products)) return error('invalid');
    const summary = {
      type: 'LimitsReset',
      resetId: key,
      scope: data.scope,
      plan,
      product,
      resetAt: iso(now),
    };
    this.resets.push({ scope: data.scope as string, plan, product, resetAt: now });
    this.resetKeys.set(key, { payload, summary });
    return { kind: 'appended', events: [summary] };
  }

  /** Credits an account can still spend (any product): what GET /v1/accounts calls the balance. */
  balanceOf(accountId: string, now: number): string {
    const grants = this.accounts.get(accountId)?.grants ?? [];
    return decimal(
      grants
        .filter((g) => g.status === 'open' && g.remaining > 0n && (g.expiresAt === null || now < g.expiresAt))
        .reduce((s, g) => s + g.remaining, 0n),
    );
  }
}

/** Undo for a lazy step whose command then appended nothing: grants' books and the holds' states as they were. */
function savedOf(account: ModelAccount): () => void {
  const grants = account.grants.map((g) => [g, { ...g }] as const);
  const holds = [...account.holds.values()]
    .filter((h) => h.status === 'held')
    .map((h) => [h, h.status] as const);
  return () => {
    for (const [g, copy] of grants) Object.assign(g, copy);
    for (const [h, status] of holds) h.status = status;
  };
}
