import { foldAccount, type AccountEvent } from '@ledger/domain';
import { AccountBooks } from '../simulation/sim-books';
import type { HttpAnswer, HttpRequest } from './http-client';

/**
 * The holds load of the multi-node reliability tests (SPEC §6): placements (short ttls, so holds
 * expire under the load, or the default hour), settlements within or beyond the hold (of a hold
 * whose placement was acknowledged, sent to any node), releases, plain usage and purchases on a
 * few accounts; and the checks on the log afterwards.
 */
export type Kind = 'place' | 'settle' | 'release' | 'usage' | 'purchase';

export interface Sent {
  readonly kind: Kind;
  readonly accountId: string;
  readonly holdId?: string;
  /** The usage id (usage, settlement) or the purchase id. */
  readonly usageId?: string;
  readonly request: HttpRequest;
  answer?: HttpAnswer;
}

/** A definite answer: recorded (200/201/402) or refused by the hold's state (409: it ended first). */
export const definite = (s: Sent): boolean =>
  s.answer !== undefined &&
  ([200, 201, 402].includes(s.answer.status) ||
    (s.answer.status === 409 && (s.kind === 'settle' || s.kind === 'release')));

export class HoldsLoad {
  /** Holds whose placement was answered 201/200: the ones settlements and releases name. */
  readonly placed: { holdId: string; accountId: string }[] = [];
  private n = 0;

  constructor(
    private readonly random: () => number,
    private readonly accounts: readonly string[],
    private readonly prefix: string,
  ) {}

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)];
  }

  /** Called with every answer: a placed hold becomes one to settle or release. */
  answered(sent: Sent): void {
    if (sent.kind === 'place' && (sent.answer?.status === 201 || sent.answer?.status === 200))
      this.placed.push({ holdId: sent.holdId as string, accountId: sent.accountId });
  }

  next(): Sent {
    const { random } = this;
    const accountId = this.pick(this.accounts);
    const r = random();
    if (r < 0.35 || this.placed.length === 0) {
      const holdId = `${this.prefix}-h-${this.n++}`;
      const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
        random() < 0.3
          ? { operation: 'gpt-5.5:output_tokens', quantity: 1_000 + Math.floor(random() * 20_000) }
          : { operation: this.pick(['local_message', 'cloud_task']), quantity: 1 + Math.floor(random() * 6) },
      );
      const ttl = this.pick([1, 2, 5, 30, undefined]);
      const body = {
        holdId,
        accountId,
        product: 'codex',
        lines,
        ...(ttl === undefined ? {} : { ttlSeconds: ttl }),
      };
      return { kind: 'place', accountId, holdId, request: { method: 'POST', path: '/v1/holds', body } };
    }
    if (r < 0.75) {
      const placed = this.placed;
      const hold =
        random() < 0.7
          ? placed[placed.length - 1 - Math.floor(random() * Math.min(6, placed.length))]
          : this.pick(placed);
      if (random() < 0.8) {
        const usageId = `${this.prefix}-s-${this.n++}`;
        const lines = [
          { operation: this.pick(['local_message', 'cloud_task']), quantity: 1 + Math.floor(random() * 12) },
        ];
        const path = `/v1/holds/${hold.holdId}/settlement`;
        const request = { method: 'POST', path, body: { usageId, lines } } as const;
        return { kind: 'settle', accountId: hold.accountId, holdId: hold.holdId, usageId, request };
      }
      const path = `/v1/holds/${hold.holdId}/release`;
      const request = { method: 'POST', path, body: { reason: 'done' } } as const;
      return { kind: 'release', accountId: hold.accountId, holdId: hold.holdId, request };
    }
    if (r < 0.85) {
      const purchaseId = `${this.prefix}-p-${this.n++}`;
      const body = { purchaseId, credits: '25', amountPaid: { amountMinor: 2500, currency: 'USD' } };
      const path = `/v1/accounts/${accountId}/credits/purchases`;
      return { kind: 'purchase', accountId, usageId: purchaseId, request: { method: 'POST', path, body } };
    }
    const usageId = `${this.prefix}-u-${this.n++}`;
    const quantity = 1 + Math.floor(random() * 4);
    const body = { usageId, accountId, product: 'codex', operation: 'local_message', quantity };
    return { kind: 'usage', accountId, usageId, request: { method: 'POST', path: '/v1/usage', body } };
  }
}

type Logged = ReadonlyMap<string, readonly AccountEvent[]>;

/** Acknowledged commands missing from the log, or logged otherwise than answered. */
export function lostOrChanged(accounts: Logged, acknowledged: readonly Sent[]): string[] {
  const problems: string[] = [];
  for (const sent of acknowledged) {
    const events = accounts.get(sent.accountId) ?? [];
    const status = sent.answer?.status;
    const about = (e: { data: unknown }) => (e.data as { holdId?: string }).holdId === sent.holdId;
    const closing = events.filter(
      (e) => (e.type === 'HoldSettled' || e.type === 'HoldReleased' || e.type === 'HoldExpired') && about(e),
    );
    const named = (type: string, field: string) =>
      events.some((e) => e.type === type && (e.data as Record<string, unknown>)[field] === sent.usageId);
    let ok: boolean;
    switch (sent.kind) {
      case 'place':
        ok = events.some((e) => e.type === (status === 402 ? 'HoldRejected' : 'HoldPlaced') && about(e));
        break;
      case 'settle': {
        // 201/200: this settlement closed the hold; 409: the hold had ended otherwise (exactly once).
        const mine = closing.filter((e) => e.type === 'HoldSettled' && e.data.usageId === sent.usageId);
        ok = closing.length === 1 && mine.length === (status === 409 ? 0 : 1);
        break;
      }
      case 'release':
        ok = closing.length === 1 && (closing[0].type === 'HoldReleased') === (status !== 409);
        break;
      case 'purchase':
        ok = named('CreditsPurchased', 'purchaseId');
        break;
      case 'usage':
        ok = named(status === 402 ? 'UsageRejected' : 'UsageRecorded', 'usageId');
        break;
    }
    if (!ok)
      problems.push(
        `${sent.kind} ${JSON.stringify(sent.request.body)} answered ${status}; the log closes the hold with ${JSON.stringify(closing.map((e) => e.type))}`,
      );
  }
  return problems;
}

/**
 * The books of every account from its events (sim-books.ts): per grant remaining + held + used +
 * expired + refunded = granted against the log's own fold, a hold closed once with exactly what it
 * held, nothing held past its expiry, no usage charged twice, a usage reversed at most once.
 */
export function booksOf(accounts: Logged): string[] {
  const problems: string[] = [];
  for (const [accountId, events] of accounts) {
    const books = new AccountBooks(accountId);
    books.feed(events);
    const state = foldAccount(events);
    books.checkState(state.grants, [...state.holds.keys()]);
    problems.push(...books.violations);
  }
  return problems;
}

/** Accounts still holding something in the log's fold. */
export function stillHeld(accounts: Logged): string[] {
  return [...accounts].flatMap(([accountId, events]) =>
    [...foldAccount(events).holds.keys()].map((holdId) => `${accountId}/${holdId}`),
  );
}
