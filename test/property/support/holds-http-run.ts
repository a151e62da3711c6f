import type { Response } from 'supertest';
import type { TestLedger, TestRole } from '../../support/ledger-app';
import type { Cmd, Line, SettleMode } from './holds-workload';

/** A command on one account (not a burst, a clock move, a retry or a global reset). */
type AccountCmd = Exclude<Cmd, { kind: 'burst' | 'advance' | 'retry' | 'globalReset' | 'twice' }>;

/** One request as sent (so a retry sends exactly the same). */
export interface Req {
  readonly role: TestRole;
  readonly method: 'post' | 'put';
  readonly url: string;
  readonly body: Record<string, unknown>;
  /** What the answer must find in the log (keyed commands only). */
  readonly kind:
    | 'usage'
    | 'hold'
    | 'settle'
    | 'release'
    | 'reverse'
    | 'purchase'
    | 'grant'
    | 'refund'
    | 'cap'
    | 'plan'
    | 'reset';
  readonly accountId?: string;
  readonly id: string;
}

/** A request and its answer. */
export interface Sent {
  readonly req: Req;
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly replayed: boolean;
}

interface HoldSent {
  readonly holdId: string;
  readonly lines: readonly Line[];
}

interface AccountRun {
  readonly accountId: string;
  readonly holds: HoldSent[];
  readonly usages: string[];
  readonly purchases: string[];
}

/** Statuses a valid request may get: created, replayed/released, refused for credits, unknown, conflict. */
const EXPECTED = new Set([200, 201, 402, 404, 409]);
/** Keyed commands: a retry must answer as the first time. */
const KEYED = new Set<Req['kind']>([
  'usage',
  'hold',
  'settle',
  'release',
  'reverse',
  'purchase',
  'grant',
  'refund',
]);

/**
 * One run of the workload against a ledger over HTTP: resolves each command's references against
 * what the run has sent, sends it, and keeps every answer. Ids carry the run's prefix, so runs share
 * one ledger (hold and usage ids are addressed alone by the API: they must be unique in it).
 */
export class HoldsHttpRun {
  readonly accounts: AccountRun[];
  readonly sent: Sent[] = [];
  /** Retries sent, by what they answered. */
  readonly retries = { replayed: 0, twice: 0 };
  /** Problems seen while sending (an unexpected status, an answer that breaks a rule). */
  readonly problems: string[] = [];
  private n = 0;

  constructor(
    /** The ledger now (a getter: the test may restart it during a run). */
    private readonly node: () => TestLedger,
    readonly prefix: string,
    accounts: number,
    /** Moves the clock without the sweep (the test's handle on the simulated clock). */
    private readonly advanceQuietly: (ms: number) => void,
  ) {
    this.accounts = Array.from({ length: accounts }, (_, i) => ({
      accountId: `${prefix}-a${i}`,
      holds: [],
      usages: [],
      purchases: [],
    }));
  }

  private fresh(what: string): string {
    this.n += 1;
    return `${this.prefix}-${what}${this.n}`;
  }

  async send(req: Req): Promise<Sent> {
    const client = this.node().as(req.role);
    const res: Response = await (req.method === 'post'
      ? client.post(req.url, req.body)
      : client.put(req.url, req.body));
    const sent: Sent = {
      req,
      status: res.status,
      body: res.body as Record<string, unknown>,
      replayed: res.headers['idempotent-replayed'] === 'true',
    };
    if (!EXPECTED.has(res.status))
      this.problems.push(
        `${req.method.toUpperCase()} ${req.url} ${JSON.stringify(req.body)} → ${res.status} ${res.text}`,
      );
    const credits = sent.body?.credits as { balance?: string; held?: string } | undefined;
    if (credits?.balance?.startsWith('-') || credits?.held?.startsWith('-'))
      this.problems.push(`${req.url} answered a negative balance or held: ${JSON.stringify(credits)}`);
    this.sent.push(sent);
    return sent;
  }

  /** Opens the accounts on plus, each with 30 credits bought and 10 granted that expire in 20 hours. */
  async open(now: number): Promise<void> {
    for (const acc of this.accounts) {
      await this.send({
        role: 'service',
        method: 'post',
        url: '/v1/accounts',
        body: { accountId: acc.accountId, plan: 'plus' },
        kind: 'plan',
        id: acc.accountId,
      });
      await this.run({ kind: 'purchase', a: this.accounts.indexOf(acc), credits: '30' }, now);
      await this.run(
        { kind: 'grant', a: this.accounts.indexOf(acc), credits: '10', expiryH: 20, priority: 50 },
        now,
      );
    }
  }

  /** Sends one command (a burst: its commands at once, all on the burst's account). */
  async run(cmd: Cmd, now: number): Promise<void> {
    if (cmd.kind === 'burst') {
      await Promise.all(cmd.cmds.map((c) => this.run({ ...c, a: cmd.a } as Cmd, now)));
      return;
    }
    if (cmd.kind === 'advance') {
      if (cmd.sweep) await this.node().advanceClock(cmd.ms);
      else this.advanceQuietly(cmd.ms);
      return;
    }
    if (cmd.kind === 'retry') {
      const keyed = this.sent.filter((s) => KEYED.has(s.req.kind) && [200, 201, 402].includes(s.status));
      if (keyed.length === 0) return;
      const first = keyed[cmd.k % keyed.length];
      const again = await this.send(first.req);
      const expectedStatus = first.status === 201 ? 200 : first.status;
      const same =
        again.status === expectedStatus &&
        (again.status === 402 || again.replayed) &&
        JSON.stringify(again.body) === JSON.stringify(first.body);
      if (!same) {
        const why = [
          again.status !== expectedStatus ? `status ${again.status}, not ${expectedStatus}` : '',
          again.status !== 402 && !again.replayed ? 'no Idempotent-Replayed: true' : '',
          JSON.stringify(again.body) !== JSON.stringify(first.body) ? 'another body' : '',
        ].filter((w) => w !== '');
        this.problems.push(
          `retry of ${first.req.method.toUpperCase()} ${first.req.url} answered with ${why.join(', ')}: ` +
            `${JSON.stringify(first.req.body)} first ${first.status} ${JSON.stringify(first.body)}; ` +
            `again ${again.status} ${JSON.stringify(again.body)}`,
        );
      } else this.retries.replayed += 1;
      return;
    }
    if (cmd.kind === 'twice') {
      const req = this.requestOf({ ...cmd.cmd, a: cmd.a } as AccountCmd, now);
      if (req === undefined) return;
      const answers = await Promise.all([this.send(req), this.send(req)]);
      const problem = twiceProblem(answers[0], answers[1]);
      if (problem !== undefined)
        this.problems.push(
          `${req.method.toUpperCase()} ${req.url} ${JSON.stringify(req.body)} sent twice at once: ${problem}`,
        );
      else this.retries.twice += 1;
      return;
    }
    if (cmd.kind === 'globalReset') {
      const resetId = this.fresh('gr');
      await this.send({
        role: 'admin',
        method: 'post',
        url: '/v1/limits/resets',
        body: { resetId, scope: 'all', reason: 'incident' },
        kind: 'reset',
        id: resetId,
      });
      return;
    }
    const req = this.requestOf(cmd, now);
    if (req !== undefined) await this.send(req);
  }

  /** The request of a command on one account (its references resolved against what the run sent), or none to send. */
  private requestOf(cmd: AccountCmd, now: number): Req | undefined {
    const acc = this.accounts[cmd.a];
    const accountId = acc.accountId;
    switch (cmd.kind) {
      case 'purchase': {
        const purchaseId = this.fresh('p');
        acc.purchases.push(purchaseId);
        return {
          role: 'service',
          method: 'post',
          url: `/v1/accounts/${accountId}/credits/purchases`,
          body: {
            purchaseId,
            credits: cmd.credits,
            amountPaid: { amountMinor: 100, currency: 'USD' },
            ...(cmd.expiryH === undefined ? {} : { expiresAt: iso(now + cmd.expiryH * 3_600_000) }),
          },
          kind: 'purchase',
          accountId,
          id: purchaseId,
        };
      }
      case 'grant': {
        const grantId = this.fresh('g');
        return {
          role: 'admin',
          method: 'post',
          url: `/v1/accounts/${accountId}/credits/grants`,
          body: {
            grantId,
            credits: cmd.credits,
            reason: 'promo',
            priority: cmd.priority,
            ...(cmd.expiryH === undefined ? {} : { expiresAt: iso(now + cmd.expiryH * 3_600_000) }),
          },
          kind: 'grant',
          accountId,
          id: grantId,
        };
      }
      case 'usage': {
        const usageId = this.fresh('u');
        acc.usages.push(usageId);
        return {
          role: 'service',
          method: 'post',
          url: '/v1/usage',
          body: { usageId, accountId, product: 'codex', ...cmd.line },
          kind: 'usage',
          accountId,
          id: usageId,
        };
      }
      case 'hold': {
        const holdId = this.fresh('h');
        acc.holds.push({ holdId, lines: cmd.lines });
        return {
          role: 'service',
          method: 'post',
          url: '/v1/holds',
          body: { holdId, accountId, product: 'codex', lines: cmd.lines, ttlSeconds: cmd.ttl },
          kind: 'hold',
          accountId,
          id: holdId,
        };
      }
      case 'settle': {
        const hold = this.holdOf(acc, cmd.k, now);
        if (hold === undefined) return undefined;
        const usageId = this.fresh('s');
        acc.usages.push(usageId);
        return {
          role: 'service',
          method: 'post',
          url: `/v1/holds/${hold.holdId}/settlement`,
          body: { usageId, lines: settleLines(hold.lines, cmd.mode, cmd.factor) },
          kind: 'settle',
          accountId,
          id: usageId,
        };
      }
      case 'release': {
        const hold = this.holdOf(acc, cmd.k, now);
        if (hold === undefined) return undefined;
        return {
          role: 'service',
          method: 'post',
          url: `/v1/holds/${hold.holdId}/release`,
          body: { reason: 'task cancelled' },
          kind: 'release',
          accountId,
          id: hold.holdId,
        };
      }
      case 'reverse': {
        if (acc.usages.length === 0) return undefined;
        const usageId = acc.usages[cmd.k % acc.usages.length];
        const reversalId = this.fresh('rv');
        return {
          role: 'admin',
          method: 'post',
          url: `/v1/usage/${usageId}/reversals`,
          body: { reversalId, reason: 'failed task' },
          kind: 'reverse',
          accountId,
          id: reversalId,
        };
      }
      case 'refund': {
        if (acc.purchases.length === 0) return undefined;
        const purchaseId = acc.purchases[cmd.k % acc.purchases.length];
        const refundId = this.fresh('rf');
        return {
          role: 'admin',
          method: 'post',
          url: `/v1/accounts/${accountId}/credits/purchases/${purchaseId}/refunds`,
          body: { refundId, reason: 'asked' },
          kind: 'refund',
          accountId,
          id: refundId,
        };
      }
      case 'cap':
        return {
          role: 'service',
          method: 'put',
          url: `/v1/accounts/${accountId}/spending-cap`,
          body: { creditsPerMonth: cmd.credits },
          kind: 'cap',
          accountId,
          id: accountId,
        };
      case 'plan':
        return {
          role: 'service',
          method: 'put',
          url: `/v1/accounts/${accountId}/plan`,
          body: { plan: cmd.plan },
          kind: 'plan',
          accountId,
          id: accountId,
        };
      case 'accountReset': {
        const resetId = this.fresh('ar');
        return {
          role: 'admin',
          method: 'post',
          url: '/v1/limits/resets',
          body: { resetId, scope: 'account', accountId, reason: 'support' },
          kind: 'reset',
          accountId,
          id: resetId,
        };
      }
    }
  }

  /**
   * The k-th hold sent on the account: among the ones still live as far as the answers tell (placed,
   * not past the expiry they answered, not settled or released; or not answered yet: racing in a
   * burst), so most settlements find a live hold; one time in five among all of them (a closed or
   * refused one: 409 or 404, nothing appended).
   */
  private holdOf(acc: AccountRun, k: number, now: number): HoldSent | undefined {
    const dead = new Set<string>();
    for (const s of this.sent) {
      if (s.req.kind === 'settle' && s.status === 201) dead.add(s.body.holdId as string);
      if (s.req.kind === 'release' && s.status === 200) dead.add(s.req.id);
      if (s.req.kind === 'hold' && (s.status !== 201 || Date.parse(s.body.expiresAt as string) <= now))
        dead.add(s.req.id);
    }
    const live = acc.holds.filter((h) => !dead.has(h.holdId));
    const pool = live.length > 0 && k % 5 !== 0 ? live : acc.holds;
    return pool.length === 0 ? undefined : pool[k % pool.length];
  }
}

/**
 * Two answers to one request sent twice at once: one decision, so the same body, and exactly one of
 * them the replay (200 + Idempotent-Replayed) when it was accepted (or both, when an earlier request
 * had decided it); a refusal (402) or an error (404, 409) the same twice. Undefined when they agree.
 */
function twiceProblem(x: Sent, y: Sent): string | undefined {
  const show = (s: Sent) => `${s.status}${s.replayed ? ' (replayed)' : ''} ${JSON.stringify(s.body)}`;
  const [first, again] = x.replayed ? [y, x] : [x, y];
  if (JSON.stringify(first.body) !== JSON.stringify(again.body) && first.status < 400)
    return `two decisions: ${show(first)}; ${show(again)}`;
  // Both replays: an earlier request decided that key (a release repeats per hold id).
  if (first.status === 201 || (first.status === 200 && first.req.kind === 'release'))
    return !again.replayed || again.status !== 200
      ? `not one answer and its replay: ${show(first)}; ${show(again)}`
      : undefined;
  return first.status === again.status && JSON.stringify(first.body) === JSON.stringify(again.body)
    ? undefined
    : `different answers: ${show(first)}; ${show(again)}`;
}

/** The lines a settlement reports: fewer than held (within), the same (exact), or `factor` times as many (beyond). */
export function settleLines(lines: readonly Line[], mode: SettleMode, factor: number): Line[] {
  return lines.map(({ operation, quantity }) => ({
    operation,
    quantity:
      mode === 'exact'
        ? quantity
        : mode === 'within'
          ? Math.max(1, Math.floor(quantity / 2))
          : quantity * factor,
  }));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
