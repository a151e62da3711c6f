import { decimal, micro } from './model-money';

/**
 * The books of one account, kept from its events alone (the facts in the log), and the checks of
 * SPEC §6 that do not depend on any decision: per grant remaining + held + used + expired +
 * refunded = granted, no credit held twice (a hold is closed once, and gives back exactly the
 * shares it held), nothing held past its expiry, no usage charged twice, a usage reversed at most
 * once. Fed incrementally (events since the last feed), so a long run reads its log once.
 */
export interface Fact {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

interface Share {
  readonly grantId: string;
  readonly credits: string;
}

export interface GrantBooks {
  granted: bigint;
  held: bigint;
  used: bigint;
  expired: bigint;
  refunded: bigint;
}

interface OpenHold {
  readonly expiresAt: number;
  readonly shares: ReadonlyMap<string, bigint>;
}

export class AccountBooks {
  /** Stream revision the next event will have. */
  revision = 0;
  readonly grants = new Map<string, GrantBooks>();
  readonly openHolds = new Map<string, OpenHold>();
  private readonly closedHolds = new Set<string>();
  private readonly charged = new Set<string>();
  private readonly reversed = new Set<string>();
  readonly violations: string[] = [];
  /** Counts for the run's figures. */
  uncollected = 0n;

  constructor(readonly accountId: string) {}

  feed(events: readonly Fact[]): void {
    for (const event of events) {
      this.apply(event);
      this.revision += 1;
    }
  }

  private fail(message: string): void {
    if (this.violations.length < 20) this.violations.push(`${this.accountId}@${this.revision}: ${message}`);
  }

  private grant(id: string): GrantBooks {
    let books = this.grants.get(id);
    if (books === undefined) {
      this.fail(`event names grant "${id}" that was never granted`);
      books = { granted: 0n, held: 0n, used: 0n, expired: 0n, refunded: 0n };
      this.grants.set(id, books);
    }
    return books;
  }

  private move(shares: readonly Share[], bucket: keyof GrantBooks, sign: 1n | -1n): void {
    for (const s of shares) this.grant(s.grantId)[bucket] += sign * micro(s.credits);
  }

  private charge(usageId: string): void {
    if (this.charged.has(usageId)) this.fail(`usage "${usageId}" charged twice`);
    this.charged.add(usageId);
  }

  /** A hold closes once, and what it gives back (consumed + released + written off) is what it held. */
  private close(holdId: string, parts: readonly (readonly Share[])[]): void {
    const hold = this.openHolds.get(holdId);
    if (hold === undefined) {
      this.fail(
        `hold "${holdId}" closed while ${this.closedHolds.has(holdId) ? 'already closed' : 'never placed'}`,
      );
      return;
    }
    const back = new Map<string, bigint>();
    for (const part of parts)
      for (const s of part) back.set(s.grantId, (back.get(s.grantId) ?? 0n) + micro(s.credits));
    for (const id of new Set([...back.keys(), ...hold.shares.keys()])) {
      const held = hold.shares.get(id) ?? 0n;
      const returned = back.get(id) ?? 0n;
      if (held !== returned)
        this.fail(`hold "${holdId}" held ${decimal(held)} of "${id}" but closed with ${decimal(returned)}`);
      this.grant(id).held -= held;
    }
    this.openHolds.delete(holdId);
    this.closedHolds.add(holdId);
  }

  private apply({ type, data }: Fact): void {
    const at = Date.parse(data.recordedAt as string);
    if (type !== 'HoldExpired') {
      for (const [id, hold] of this.openHolds)
        if (at >= hold.expiresAt)
          this.fail(`${type} at ${data.recordedAt as string} while hold "${id}" is held past its expiry`);
    }
    switch (type) {
      case 'CreditsPurchased':
      case 'CreditsGranted': {
        const id = (type === 'CreditsPurchased' ? data.purchaseId : data.grantId) as string;
        if (this.grants.has(id)) this.fail(`grant "${id}" granted twice`);
        this.grants.set(id, {
          granted: micro(data.credits as string),
          held: 0n,
          used: 0n,
          expired: 0n,
          refunded: 0n,
        });
        return;
      }
      case 'UsageRecorded':
        this.charge(data.usageId as string);
        // Paid from an organisation's pool (SPEC §7): the pool's grants, booked on its own stream.
        if (data.paidBy !== undefined && data.paidBy !== null) return;
        this.move(data.allocations as Share[], 'used', 1n);
        return;
      case 'CreditsExpired':
        this.grant(data.grantId as string).expired += micro(data.credits as string);
        return;
      case 'PurchaseRefunded':
        this.grant(data.purchaseId as string).refunded += micro(data.credits as string);
        return;
      case 'HoldPlaced': {
        const holdId = data.holdId as string;
        if (this.openHolds.has(holdId) || this.closedHolds.has(holdId))
          this.fail(`hold "${holdId}" placed twice`);
        const shares = new Map<string, bigint>();
        for (const s of data.allocations as Share[])
          shares.set(s.grantId, (shares.get(s.grantId) ?? 0n) + micro(s.credits));
        this.move(data.allocations as Share[], 'held', 1n);
        this.openHolds.set(holdId, { expiresAt: Date.parse(data.expiresAt as string), shares });
        return;
      }
      case 'HoldSettled': {
        this.charge(data.usageId as string);
        const consumed = (data.consumed as { allocations: Share[] }).allocations;
        const charged = (data.charged as { allocations: Share[] }).allocations;
        const released = data.released as { allocations: Share[]; expired: Share[] };
        this.close(data.holdId as string, [consumed, released.allocations, released.expired]);
        this.move(consumed, 'used', 1n);
        this.move(charged, 'used', 1n);
        this.move(released.expired, 'expired', 1n);
        this.uncollected += micro((data.uncollected as { credits: string }).credits);
        return;
      }
      case 'HoldReleased':
      case 'HoldExpired': {
        const released = data.released as { allocations: Share[]; expired: Share[] };
        this.close(data.holdId as string, [released.allocations, released.expired]);
        this.move(released.expired, 'expired', 1n);
        return;
      }
      case 'UsageReversed': {
        const usageId = data.usageId as string;
        if (this.reversed.has(usageId)) this.fail(`usage "${usageId}" reversed twice`);
        if (!this.charged.has(usageId)) this.fail(`usage "${usageId}" reversed but never charged`);
        this.reversed.add(usageId);
        this.move(data.allocations as Share[], 'used', -1n);
        const regranted = data.regranted as Share | null;
        if (regranted !== null) {
          if (this.grants.has(regranted.grantId)) this.fail(`grant "${regranted.grantId}" granted twice`);
          this.grants.set(regranted.grantId, {
            granted: micro(regranted.credits),
            held: 0n,
            used: 0n,
            expired: 0n,
            refunded: 0n,
          });
        }
        return;
      }
      default:
        return;
    }
  }

  /**
   * The books against the ledger's folded state: every grant's `remaining` is what the facts leave
   * (granted − held − used − expired − refunded), no bucket negative, and the open holds are the same.
   */
  checkState(grants: readonly { grantId: string; remaining: bigint }[], openHolds: readonly string[]): void {
    for (const g of grants) {
      const b = this.grants.get(g.grantId);
      if (b === undefined) {
        this.fail(`state has grant "${g.grantId}" no event granted`);
        continue;
      }
      const left = b.granted - b.held - b.used - b.expired - b.refunded;
      if (left !== g.remaining)
        this.fail(
          `grant "${g.grantId}": remaining ${decimal(g.remaining)} but granted ${decimal(b.granted)} − held ${decimal(b.held)} − used ${decimal(b.used)} − expired ${decimal(b.expired)} − refunded ${decimal(b.refunded)} = ${left < 0n ? '-' + decimal(-left) : decimal(left)}`,
        );
      for (const bucket of ['held', 'used', 'expired', 'refunded'] as const)
        if (b[bucket] < 0n) this.fail(`grant "${g.grantId}": ${bucket} is negative`);
      if (g.remaining < 0n) this.fail(`grant "${g.grantId}": remaining is negative`);
    }
    if (grants.length !== this.grants.size)
      this.fail(`state has ${grants.length} grants, events ${this.grants.size}`);
    const open = [...this.openHolds.keys()].sort();
    const stated = [...openHolds].sort();
    if (JSON.stringify(open) !== JSON.stringify(stated))
      this.fail(`open holds: events say ${JSON.stringify(open)}, state ${JSON.stringify(stated)}`);
  }
}
