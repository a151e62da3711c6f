import { type Card, decimal, iso, micro, monthOf } from './model-money';
import {
  balanceOf,
  evaluateUsage,
  expiredAt,
  freshWindow,
  grantsFor,
  heldViewOf,
  isLive,
  liveWindowsOf,
  overageCredits,
  planRules,
  type ModelAccount,
  type ModelGrant,
  type ModelHold,
  type ModelReset,
  type ModelWindow,
  windowSnapshot,
} from './model-usage';
import type { Decided, Outcome, Summary } from './sim-types';

/**
 * Holds and reversals in the reference model (SPEC §6, holds/RULES.md, reversals/RULES.md),
 * written from those texts with plain lists and loops — never from libs/domain/src/holds.
 */
const ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_TTL_SECONDS = 86_400;
const DEFAULT_TTL_SECONDS = 3_600;
const MAX_LINES = 100;
const MAX_QUANTITY = 1_000_000_000;
const REGRANT_PRIORITY = 100;

type Data = Record<string, unknown>;
interface Line {
  readonly operation: string;
  readonly quantity: number;
}
interface Share {
  readonly grantId: string;
  readonly credits: bigint;
}

const error = (code: string): Outcome => ({ kind: 'error', code });
const one = (summary: Summary, commit: () => void): Decided => ({
  kind: 'events',
  events: [summary],
  commit,
});
const none: Decided = { kind: 'events', events: [], commit: () => undefined };
const shares = (list: readonly Share[]) =>
  list.map((s) => ({ grantId: s.grantId, credits: decimal(s.credits) }));
const sum = (list: readonly Share[]) => list.reduce((s, a) => s + a.credits, 0n);

/** Lines: 1–100, each an operation of the product and a whole quantity 1–10⁹. */
function linesValid(card: Card, product: string, lines: unknown): lines is Line[] {
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > MAX_LINES) return false;
  const operations = card.products[product].operations;
  return (lines as Line[]).every(
    (l) =>
      typeof l?.operation === 'string' &&
      Object.hasOwn(operations, l.operation) &&
      Number.isSafeInteger(l.quantity) &&
      l.quantity >= 1 &&
      l.quantity <= MAX_QUANTITY,
  );
}

/** A decision taken on a copy: lines of one hold are decided one after the other, nothing stored. */
function scratchCopy(account: ModelAccount): ModelAccount {
  return {
    ...account,
    windows: new Map(account.windows),
    grants: account.grants.map((g) => ({ ...g })),
    spend: { ...account.spend },
    usages: new Map(),
  };
}

/**
 * What giving back a hold's remaining shares does now: back to a grant still open and unexpired,
 * otherwise written off as expired (the grant expired while they were held).
 */
function released(account: ModelAccount, left: readonly Share[], units: number, now: number) {
  const back: Share[] = [];
  const expired: Share[] = [];
  for (const share of left) {
    if (share.credits === 0n) continue;
    const grant = account.grants.find((g) => g.id === share.grantId);
    (grant !== undefined && grant.status === 'open' && !expiredAt(grant, now) ? back : expired).push(share);
  }
  return {
    back,
    expired,
    summary: {
      allowanceUnits: units,
      credits: decimal(sum(back) + sum(expired)),
      allocations: shares(back),
      expired: shares(expired),
    },
    apply: () => {
      for (const s of back) {
        const grant = account.grants.find((g) => g.id === s.grantId) as ModelGrant;
        grant.remaining += s.credits;
      }
      for (const s of expired) {
        const grant = account.grants.find((g) => g.id === s.grantId);
        if (grant !== undefined) grant.expired += s.credits;
      }
    },
  };
}

/** The ledger's bound on open holds an account, restated here (not imported: the model is independent). */
const MAX_OPEN_HOLDS = 1_000;

export function placeHold(
  card: Card,
  account: ModelAccount,
  resets: readonly ModelReset[],
  data: Data,
  now: number,
): Decided {
  const holdId = data.holdId as string;
  const product = data.product as string;
  const ttl = (data.ttlSeconds as number | undefined) ?? DEFAULT_TTL_SECONDS;
  const known = Object.hasOwn(card.products, product) && card.products[product].retired !== true;
  if (
    !ID.test(holdId) ||
    !known ||
    !Number.isSafeInteger(ttl) ||
    ttl < 1 ||
    ttl > MAX_TTL_SECONDS ||
    !linesValid(card, product, data.lines)
  )
    return error('invalid');
  // At most MAX_OPEN_HOLDS open holds an account (holds/RULES.md), counted after the lazy step.
  let open = 0;
  for (const h of account.holds.values()) if (h.status === 'held') open += 1;
  if (open >= MAX_OPEN_HOLDS) return error('conflict');
  const lines = (data.lines as Line[]).map(({ operation, quantity }) => ({ operation, quantity }));
  const held = heldViewOf(account);
  const scratch = scratchCopy(account);
  const balance = balanceOf(account, now);
  let units = 0;
  let credits = 0n;
  const perGrant = new Map<string, bigint>();
  let windows: { window: string; startedAt: string; resetsAt: string }[] = [];
  for (const line of lines) {
    const usage = { usageId: holdId, product, ...line };
    const { summary, commit } = evaluateUsage(card, scratch, resets, usage, now, held);
    if (summary.type === 'UsageRejected') {
      const rejected = {
        type: 'HoldRejected',
        holdId,
        product,
        lines,
        reason: summary.reason,
        requiredCredits: decimal(credits + micro(summary.requiredCredits as string)),
        resetsAt: summary.resetsAt,
        // The product's windows before the hold, other holds' units in `held`.
        windows: liveWindowsOf(card, account, resets, product, now).map(({ rule, open }) =>
          windowSnapshot(rule, open, open === null ? 0 : held.unitsIn(product, open)),
        ),
        balanceAfter: decimal(balance),
        heldAfter: decimal(held.credits),
      };
      return one(rejected, () => undefined);
    }
    const lineUnits = summary.allowanceUnits as number;
    units += lineUnits;
    credits += micro(summary.creditsCharged as string);
    for (const a of summary.allocations as { grantId: string; credits: string }[])
      perGrant.set(a.grantId, (perGrant.get(a.grantId) ?? 0n) + micro(a.credits));
    if (lineUnits > 0)
      windows = (summary.windows as { window: string; startedAt: string | null; resetsAt: string | null }[])
        .filter((w) => w.startedAt !== null)
        .map((w) => ({ window: w.window, startedAt: w.startedAt as string, resetsAt: w.resetsAt as string }));
    commit();
  }
  const allocations: Share[] = [...perGrant].map(([grantId, c]) => ({ grantId, credits: c }));
  // The instances the units are held in: found open, or opened by the lines (on the scratch copy).
  const instances = (units === 0 ? [] : windows).map((w) => {
    const found = (scratch.windows.get(product) ?? []).find(
      (s) => s.name === w.window && s.startedAt === Date.parse(w.startedAt),
    ) as ModelWindow;
    return {
      name: found.name,
      startedAt: found.startedAt,
      resetsAt: found.resetsAt,
      instance: found.instance,
    };
  });
  const expiresAt = now + ttl * 1000;
  const summary = {
    type: 'HoldPlaced',
    holdId,
    product,
    lines,
    expiresAt: iso(expiresAt),
    allowanceUnits: units,
    heldIn: units === 0 ? [] : windows,
    credits: decimal(credits),
    allocations: shares(allocations),
    // The product's windows after: `used` as it was, `held` with this hold's units (in every window).
    windows: liveWindowsOf(card, scratch, resets, product, now).map(({ rule, open }) => {
      const real = open === null || units === 0 ? open : { ...open, used: open.used - units };
      return windowSnapshot(rule, real, real === null ? 0 : held.unitsIn(product, real) + units);
    }),
    balanceAfter: decimal(balance - credits),
    heldAfter: decimal(held.credits + credits),
  };
  return one(summary, () => {
    for (const s of allocations)
      (account.grants.find((g) => g.id === s.grantId) as ModelGrant).remaining -= s.credits;
    // A hold that draws allowance opens (anchors) the window it is held in, as usage would.
    const list = [...(account.windows.get(product) ?? [])];
    for (const w of instances) {
      const at = list.findIndex((s) => s.name === w.name);
      if (at >= 0 && list[at].instance === w.instance) continue;
      const fresh: ModelWindow = { ...w, used: 0 };
      if (at >= 0) list[at] = fresh;
      else list.push(fresh);
    }
    account.windows.set(product, list);
    account.holds.set(holdId, {
      id: holdId,
      product,
      status: 'held',
      expiresAt,
      allowanceUnits: units,
      windows: instances.map(({ name, startedAt, instance }) => ({ name, startedAt, instance })),
      credits,
      allocations,
    });
  });
}

/** The answer for a command on a hold no longer held: 409 naming its state. */
const notHeld = (hold: ModelHold): Outcome | null => (hold.status === 'held' ? null : error('conflict'));

export function settleHold(
  card: Card,
  account: ModelAccount,
  resets: readonly ModelReset[],
  data: Data,
  now: number,
): Decided {
  const usageId = data.usageId as string;
  const hold = account.holds.get(data.holdId as string);
  if (!ID.test(data.holdId as string) || !ID.test(usageId)) return error('invalid');
  // Lines are checked against the product of an open hold; a hold that ended is a 409 whatever the lines.
  if (hold?.status === 'held' && !linesValid(card, hold.product, data.lines)) return error('invalid');
  if (hold === undefined) return error('not_found');
  const blocked = notHeld(hold);
  if (blocked !== null) return blocked;
  const lines = (data.lines as Line[]).map(({ operation, quantity }) => ({ operation, quantity }));
  const product = hold.product;
  const { rules, creditsAllowed } = planRules(card, account.plan, product);
  const held = heldViewOf(account);
  const stored = account.windows.get(product) ?? [];
  const liveOf = (name: string) => {
    const w = stored.find((s) => s.name === name);
    return w !== undefined && isLive(w, product, account.plan, resets, now) ? w : null;
  };
  // The allowance free now, besides what this and other holds keep.
  let liveLeft =
    rules.length === 0
      ? 0
      : Math.min(
          ...rules.map((r) => {
            const w = liveOf(r.name);
            return Math.max(0, r.limitUnits - (w === null ? 0 : w.used + held.unitsIn(product, w)));
          }),
        );
  let heldLeft = hold.allowanceUnits;
  let fromHold = 0;
  let fromLive = 0;
  let units = 0;
  let overage = 0n;
  for (const line of lines) {
    const price = overageCredits(card, product, line.operation, line.quantity, heldLeft + liveLeft);
    const mine = Math.min(price.allowanceUnits, heldLeft);
    heldLeft -= mine;
    liveLeft -= price.allowanceUnits - mine;
    fromHold += mine;
    fromLive += price.allowanceUnits - mine;
    units += price.units;
    overage += price.charge;
  }
  // Held credits first, in their order.
  const consumed: Share[] = [];
  const left: Share[] = [];
  let need = overage;
  for (const a of hold.allocations) {
    const take = a.credits < need ? a.credits : need;
    need -= take;
    if (take > 0n) consumed.push({ grantId: a.grantId, credits: take });
    if (a.credits - take > 0n) left.push({ grantId: a.grantId, credits: a.credits - take });
  }
  const consumedTotal = sum(consumed);
  const excess = overage - consumedTotal;
  // Beyond the hold: like new usage now, as far as it can be paid; the rest is uncollected.
  let payable = excess;
  let reason: string | null = null;
  if (excess > 0n && !creditsAllowed) [payable, reason] = [0n, 'overage_not_allowed'];
  else if (excess > 0n) {
    if (account.cap !== null) {
      const spent =
        (account.spend.month === monthOf(now) ? account.spend.credits : 0n) +
        (held.credits - hold.credits) +
        consumedTotal;
      const headroom = account.cap > spent ? account.cap - spent : 0n;
      if (headroom < payable) [payable, reason] = [headroom, 'spending_cap_reached'];
    }
    const available = grantsFor(account, product, now).reduce((s, g) => s + g.remaining, 0n);
    if (available < payable) [payable, reason] = [available, reason ?? 'insufficient_credits'];
  }
  const charged: Share[] = [];
  let owed = payable;
  for (const g of grantsFor(account, product, now)) {
    if (owed === 0n) break;
    const take = g.remaining < owed ? g.remaining : owed;
    charged.push({ grantId: g.id, credits: take });
    owed -= take;
  }
  // Windows after: units from the hold count in the instance they were held in if it still lives;
  // units beyond the hold are charged to the live windows (opening them), like usage.
  const after = rules.map((rule) => {
    let w = liveOf(rule.name);
    const heldHere = w !== null && hold.windows.some((h) => h.instance === w?.instance);
    if (w !== null && heldHere && fromHold > 0) w = { ...w, used: w.used + fromHold };
    if (fromLive > 0) w = w === null ? freshWindow(rule, now, fromLive) : { ...w, used: w.used + fromLive };
    // For a reversal (reversals/RULES.md): the units consumed from the hold count where the hold held
    // them, an instance named by name + start.
    const wasHeld =
      w !== null && hold.windows.some((h) => h.name === w?.name && h.startedAt === w?.startedAt);
    return { rule, open: w, wasHeld };
  });
  const release = released(account, left, hold.allowanceUnits - fromHold, now);
  const summary = {
    type: 'HoldSettled',
    holdId: hold.id,
    usageId,
    product,
    lines,
    units,
    heldIn: hold.windows.map((w) => ({ window: w.name, startedAt: iso(w.startedAt) })),
    consumed: { allowanceUnits: fromHold, credits: decimal(consumedTotal), allocations: shares(consumed) },
    charged: { allowanceUnits: fromLive, credits: decimal(payable), allocations: shares(charged) },
    released: release.summary,
    uncollected: { credits: decimal(excess - payable), reason },
    // The product's windows after: `used` with this usage, `held` by the other open holds.
    windows: after.map(({ rule, open }) => {
      const own = open !== null && hold.windows.some((h) => h.instance === open.instance);
      const others = open === null ? 0 : held.unitsIn(product, open) - (own ? hold.allowanceUnits : 0);
      return windowSnapshot(rule, open, others);
    }),
    balanceAfter: decimal(balanceOf(account, now) + sum(release.back) - payable),
    heldAfter: decimal(held.credits - hold.credits),
  };
  return one(summary, () => {
    release.apply();
    for (const s of consumed)
      (account.grants.find((g) => g.id === s.grantId) as ModelGrant).used += s.credits;
    for (const s of charged) {
      const grant = account.grants.find((g) => g.id === s.grantId) as ModelGrant;
      grant.remaining -= s.credits;
      grant.used += s.credits;
    }
    account.windows.set(
      product,
      after.flatMap(({ open }) => (open === null ? [] : [open])),
    );
    const month = monthOf(now);
    account.spend = {
      month,
      credits: (account.spend.month === month ? account.spend.credits : 0n) + consumedTotal + payable,
    };
    hold.status = 'settled';
    const taken = new Map<string, bigint>();
    for (const s of [...consumed, ...charged]) taken.set(s.grantId, (taken.get(s.grantId) ?? 0n) + s.credits);
    account.usages.set(usageId, {
      product,
      allowanceUnits: fromHold + fromLive,
      recordedAt: now,
      allocations: [...taken].map(([grantId, credits]) => ({ grantId, credits })),
      windows: after.flatMap(({ open, wasHeld }) => {
        const counted = fromLive + (wasHeld ? fromHold : 0);
        return open === null || counted === 0
          ? []
          : [{ name: open.name, startedAt: open.startedAt, units: counted }];
      }),
    });
  });
}

export function releaseHold(account: ModelAccount, data: Data, now: number): Decided {
  if (!ID.test(data.holdId as string) || typeof data.reason !== 'string' || data.reason === '')
    return error('invalid');
  const hold = account.holds.get(data.holdId as string);
  if (hold === undefined) return error('not_found');
  const blocked = notHeld(hold);
  if (blocked !== null) return blocked;
  const release = released(account, hold.allocations, hold.allowanceUnits, now);
  return one(
    { type: 'HoldReleased', holdId: hold.id, reason: data.reason, released: release.summary },
    () => {
      release.apply();
      hold.status = 'released';
    },
  );
}

/** ExpireHold (the scheduler's): the lazy step already expired what was due; only an unknown hold is an error. */
export function expireHold(account: ModelAccount, data: Data): Decided {
  return account.holds.has(data.holdId as string) ? none : error('not_found');
}

/** Holds due at `now` (expiry inclusive), oldest expiry first: HoldExpired each, releasing all it held. */
export function expireDueHolds(account: ModelAccount, now: number): Summary[] {
  const due = [...account.holds.values()]
    .filter((h) => h.status === 'held' && now >= h.expiresAt)
    .sort((a, b) => a.expiresAt - b.expiresAt || (a.id < b.id ? -1 : 1));
  return due.map((hold) => {
    const release = released(account, hold.allocations, hold.allowanceUnits, now);
    release.apply();
    hold.status = 'expired';
    return {
      type: 'HoldExpired',
      holdId: hold.id,
      expiresAt: iso(hold.expiresAt),
      released: release.summary,
    };
  });
}

export function reverseUsage(
  account: ModelAccount,
  resets: readonly ModelReset[],
  data: Data,
  now: number,
): Decided {
  const usageId = data.usageId as string;
  const reversalId = data.reversalId as string;
  if (!ID.test(reversalId) || !ID.test(usageId) || typeof data.reason !== 'string' || data.reason === '')
    return error('invalid');
  if (account.reversals.has(usageId)) return error('conflict');
  if (!account.keys.has(`usage:${usageId}`)) return error('not_found');
  const taken = account.usages.get(usageId);
  if (taken === undefined) return error('conflict'); // rejected: nothing to reverse
  const back: Share[] = [];
  let regrant = 0n;
  for (const a of taken.allocations) {
    const grant = account.grants.find((g) => g.id === a.grantId);
    if (grant !== undefined && grant.status === 'open' && !expiredAt(grant, now)) back.push(a);
    else regrant += a.credits;
  }
  const total = sum(taken.allocations);
  const stored = account.windows.get(taken.product) ?? [];
  const units = taken.windows.flatMap((w) => {
    const open = stored.find((s) => s.name === w.name && s.startedAt === w.startedAt);
    if (open === undefined || !isLive(open, taken.product, account.plan, resets, now)) return [];
    const n = Math.min(w.units, open.used);
    return n > 0 ? [{ name: w.name, startedAt: w.startedAt, units: n }] : [];
  });
  const month = monthOf(now);
  const spent = account.spend.month === month ? account.spend.credits : 0n;
  const monthCredits = monthOf(taken.recordedAt) === month ? (total < spent ? total : spent) : 0n;
  const regrantId = `reversal-${reversalId}`;
  const summary = {
    type: 'UsageReversed',
    reversalId,
    usageId,
    product: taken.product,
    allowanceUnits: taken.allowanceUnits,
    credits: decimal(total),
    allocations: shares(back),
    regranted: regrant === 0n ? null : { grantId: regrantId, credits: decimal(regrant) },
    windows: units.map((u) => ({ window: u.name, startedAt: iso(u.startedAt), units: u.units })),
    monthCredits: decimal(monthCredits),
  };
  return one(summary, () => {
    for (const s of back) {
      const grant = account.grants.find((g) => g.id === s.grantId) as ModelGrant;
      grant.remaining += s.credits;
      grant.used -= s.credits;
    }
    if (regrant > 0n) {
      account.grants.push({
        id: regrantId,
        kind: 'promotional',
        credits: regrant,
        remaining: regrant,
        expiresAt: null,
        products: null,
        priority: REGRANT_PRIORITY,
        grantedAt: now,
        status: 'open',
        amountMinor: 0,
        used: 0n,
        expired: 0n,
        refunded: 0n,
      });
    }
    account.windows.set(
      taken.product,
      stored.map((w) => {
        const u = units.find((x) => x.name === w.name && x.startedAt === w.startedAt);
        return u === undefined ? w : { ...w, used: w.used - u.units };
      }),
    );
    if (account.spend.month === month) account.spend = { month, credits: spent - monthCredits };
    account.reversals.set(usageId, reversalId);
  });
}

/** Credits open holds keep on a grant (a refund of that purchase waits for the hold to end). */
export function heldOn(account: ModelAccount, grantId: string): bigint {
  let held = 0n;
  for (const h of account.holds.values())
    if (h.status === 'held') for (const a of h.allocations) if (a.grantId === grantId) held += a.credits;
  return held;
}
