import {
  accountView,
  balanceOf,
  foldAccount,
  formatCredits,
  heldCredits,
  openHolds,
  sumCredits,
} from '@ledger/domain';
import { HOUR, rateCard, T0 } from '@ledger/domain/testing/fixtures';
import { renderTimelineState } from '@ledger/projections';
import fc from 'fast-check';
import { readSideFixture } from '../projections/support/read-side-fixture';
import type { LedgerSimulation } from '../projections/support/ledger-simulation';

const ACCOUNTS = ['a', 'b', 'c'] as const;
const iso = (ms: number) => new Date(ms).toISOString();

/** One step of a random history: a command (or global reset) after a random pause. */
type Run = (ledger: LedgerSimulation, now: number) => Promise<unknown>;
type Step = { readonly waitMs: number; readonly run: Run };

const account = fc.constantFrom(...ACCOUNTS);
const id = fc.integer({ min: 1, max: 6 });
const credits = fc
  .tuple(fc.integer({ min: 1, max: 60 }), fc.constantFrom('', '.5', '.000001', '.25'))
  .map(([w, f]) => `${w}${f}`);
const expiry = fc.option(fc.integer({ min: 1, max: 48 }), { nil: undefined });
const line = fc.record({
  operation: fc.constantFrom('local_message', 'cloud_task', 'gpt-5.5:output_tokens'),
  quantity: fc.integer({ min: 1, max: 12 }),
});

/**
 * The k-th hold of the account, open ones first (most settles and releases find an open hold; a
 * few hit a closed one: 409, no event); a made-up id when it has none (404).
 */
function holdOf(ledger: LedgerSimulation, accountId: string, k: number): string {
  const state = ledger.states.get(accountId);
  const open = [...(state?.holds.keys() ?? [])];
  const all = [...open, ...(state?.closedHolds.keys() ?? [])];
  const pool = open.length > 0 && k % 5 !== 0 ? open : all;
  return pool.length === 0 ? `h-none-${k}` : pool[k % pool.length];
}

/**
 * Holds and reversals (SPEC §6): place (ids from a small set, so a repeat replays, or fresh),
 * settle (within and beyond: lines drawn independently of the hold's), release, expire, reverse
 * the k-th usage or settlement.
 */
function holdCommands(ids: number): fc.Arbitrary<Run>[] {
  const id = fc.integer({ min: 1, max: ids });
  const k = fc.nat({ max: 20 });
  return [
    fc
      .tuple(
        account,
        id,
        fc.boolean(),
        fc.array(line, { minLength: 1, maxLength: 3 }),
        fc.constantFrom(60, 3600, 86_400),
      )
      .map(
        ([a, n, fresh, lines, ttlSeconds]): Run =>
          (l, now) =>
            l.run(
              'PlaceHold',
              { holdId: fresh ? `h-${now}` : `h-${n}`, accountId: a, product: 'codex', lines, ttlSeconds },
              now,
            ),
      ),
    fc.tuple(account, k, fc.array(line, { minLength: 1, maxLength: 3 })).map(
      ([a, n, lines]): Run =>
        (l, now) =>
          l.run(
            'SettleHold',
            { holdId: holdOf(l, a, n), accountId: a, usageId: `us-${a}-${n}-${now}`, lines },
            now,
          ),
    ),
    fc.tuple(account, k).map(
      ([a, n]): Run =>
        (l, now) =>
          l.run('ReleaseHold', { holdId: holdOf(l, a, n), accountId: a, reason: 'cancelled' }, now),
    ),
    fc.tuple(account, k).map(
      ([a, n]): Run =>
        (l, now) =>
          l.run('ExpireHold', { holdId: holdOf(l, a, n), accountId: a }, now),
    ),
    // A reversal of the k-th usage or settlement the account recorded (any, even a rejected one: 409).
    fc.tuple(account, fc.nat({ max: 20 })).map(([a, k]): Run => (l, now) => {
      const usages = (l.eventsByAccount.get(a) ?? []).flatMap((e) =>
        e.type === 'UsageRecorded' || e.type === 'UsageRejected' || e.type === 'HoldSettled'
          ? [e.data.usageId]
          : [],
      );
      if (usages.length === 0) return Promise.resolve();
      const usageId = usages[k % usages.length];
      return l.run(
        'ReverseUsage',
        { reversalId: `rv-${a}-${now}`, accountId: a, usageId, reason: 'failed' },
        now,
      );
    }),
  ];
}

const command: fc.Arbitrary<Run> = fc.oneof(
  fc.tuple(account, fc.constantFrom('free', 'plus', 'pro')).map(
    ([a, plan]): Run =>
      (l, now) =>
        l.run('OpenAccount', { accountId: a, plan }, now),
  ),
  fc.tuple(account, fc.constantFrom('free', 'plus', 'pro')).map(
    ([a, plan]): Run =>
      (l, now) =>
        l.run('ChangePlan', { accountId: a, plan }, now),
  ),
  fc
    .tuple(
      account,
      id,
      fc.constantFrom('local_message', 'cloud_task', 'gpt-5.5:output_tokens'),
      fc.integer({ min: 1, max: 12 }),
    )
    .map(
      ([a, n, operation, quantity]): Run =>
        (l, now) =>
          l.run(
            'RecordUsage',
            { usageId: `u-${a}-${n}-${now}`, accountId: a, product: 'codex', operation, quantity },
            now,
          ),
    ),
  fc.tuple(account, id, credits, expiry).map(
    ([a, n, c, hours]): Run =>
      (l, now) =>
        l.run(
          'PurchaseCredits',
          {
            purchaseId: `p-${n}`,
            accountId: a,
            credits: c,
            amountPaid: { amountMinor: 100 * n, currency: 'USD' },
            ...(hours === undefined ? {} : { expiresAt: iso(now + hours * HOUR) }),
          },
          now,
        ),
  ),
  fc.tuple(account, id, credits, expiry, fc.integer({ min: 0, max: 200 })).map(
    ([a, n, c, hours, priority]): Run =>
      (l, now) =>
        l.run(
          'GrantCredits',
          {
            grantId: `g-${n}`,
            accountId: a,
            credits: c,
            reason: 'promo',
            priority,
            ...(hours === undefined ? {} : { expiresAt: iso(now + hours * HOUR) }),
          },
          now,
        ),
  ),
  fc.tuple(account, id).map(
    ([a, n]): Run =>
      (l, now) =>
        l.run(
          'RefundPurchase',
          { refundId: `rf-${n}-${now}`, accountId: a, purchaseId: `p-${n}`, reason: 'asked' },
          now,
        ),
  ),
  fc.tuple(account, fc.option(credits, { nil: null })).map(
    ([a, cap]): Run =>
      (l, now) =>
        l.run('SetSpendingCap', { accountId: a, creditsPerMonth: cap }, now),
  ),
  account.map(
    (a): Run =>
      (l, now) =>
        l.run('ExpireCredits', { accountId: a }, now),
  ),
  fc.tuple(account, fc.boolean()).map(
    ([a, codexOnly]): Run =>
      (l, now) =>
        l.run(
          'ResetAccountLimits',
          {
            resetId: `ar-${a}-${now}`,
            accountId: a,
            reason: 'support',
            ...(codexOnly ? { product: 'codex' } : {}),
          },
          now,
        ),
  ),
  ...holdCommands(6),
  fc.constantFrom<'all' | 'plan'>('all', 'plan').map(
    (scope): Run =>
      (l, now) =>
        l.resetLimits(
          { resetId: `r-${now}`, scope, ...(scope === 'plan' ? { plan: 'plus' } : {}), reason: 'incident' },
          now,
        ),
  ),
);

const step: fc.Arbitrary<Step> = fc.record({
  waitMs: fc.constantFrom(0, 1, 60_000, HOUR, 6 * HOUR, 30 * HOUR),
  run: command,
});
// Every history starts by opening the accounts, so most commands land on open accounts.
const history = fc.array(step, { minLength: 5, maxLength: 40 });

function seeded(numRuns: number): { seed: number; numRuns: number } {
  const fromEnv = process.env.FC_SEED;
  const seed =
    fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  return { seed, numRuns };
}

/** A holds-heavy workload: three hold ids per account, so settles and releases mostly find their hold. */
const holdsStep: fc.Arbitrary<Step> = fc.record({
  waitMs: fc.constantFrom(0, 1, 1000, 60_000, 60_000, HOUR, 6 * HOUR, 30 * HOUR),
  run: fc.oneof({ arbitrary: fc.oneof(...holdCommands(3)), weight: 3 }, { arbitrary: command, weight: 2 }),
});
const holdsHistory = fc.array(holdsStep, { minLength: 10, maxLength: 60 });

/** Every account opens on plus; with `funded`, buys 200 credits and gets 50 that expire in 20 hours. */
async function openAccounts(ledger: LedgerSimulation, now: number, funded: boolean): Promise<void> {
  for (const a of ACCOUNTS) {
    await ledger.run('OpenAccount', { accountId: a, plan: 'plus' }, now);
    if (!funded) continue;
    await ledger.run(
      'PurchaseCredits',
      { purchaseId: `p-0`, accountId: a, credits: '200', amountPaid: { amountMinor: 2000, currency: 'USD' } },
      now,
    );
    await ledger.run(
      'GrantCredits',
      { grantId: 'g-0', accountId: a, credits: '50', reason: 'promo', expiresAt: iso(now + 20 * HOUR) },
      now,
    );
  }
}

const counts = new Map<string, number>();

function countEvents(ledger: LedgerSimulation): void {
  for (const events of ledger.eventsByAccount.values())
    for (const e of events) {
      const kinds = [e.type as string];
      if (e.type === 'HoldSettled' && e.data.charged.credits !== '0')
        kinds.push('HoldSettled beyond the hold');
      if (e.type === 'UsageReversed' && e.data.regranted !== null) kinds.push('UsageReversed regranted');
      for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
}

async function assertFoldOfLog(steps: readonly Step[], funded: boolean): Promise<void> {
  const f = readSideFixture({ batchSize: 7 });
  try {
    let now = T0;
    await openAccounts(f.ledger, now, funded);
    for (const s of steps) {
      now += s.waitMs;
      await s.run(f.ledger, now);
    }
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 10_000)).toBe(true);
    await checkAgainstFold(f.readSide, f.ledger, now);
    const trial = f.readSide.journals.trialBalance();
    expect(trial.total).toBe('0');
    const report = await f.readSide.verify();
    expect(report.mismatches).toEqual([]);
    expect(report.ok).toBe(true);
    countEvents(f.ledger);
  } finally {
    await f.close();
  }
}

async function assertSeeded(steps: fc.Arbitrary<Step[]>, funded: boolean): Promise<void> {
  const options = seeded(Number(process.env.FC_RUNS ?? 25));
  await fc
    .assert(
      fc.asyncProperty(steps, (s) => assertFoldOfLog(s, funded)),
      options,
    )
    .catch((error: unknown) => {
      throw new Error(`${String(error)}\nreplay with FC_SEED=${options.seed}`);
    });
}

describe('projections are a fold of the log (property)', () => {
  it('equal the decider fold, balance to zero, and journal each balance, for random histories', async () => {
    await assertSeeded(history, false);
  });

  it('stay so with holds placed, settled within and beyond, released, expired, and usages reversed', async () => {
    counts.clear();
    const kinds = [
      'HoldPlaced',
      'HoldSettled',
      'HoldSettled beyond the hold',
      'HoldReleased',
      'HoldExpired',
      'UsageReversed',
    ];
    const missing = () => kinds.filter((kind) => (counts.get(kind) ?? 0) === 0);
    // The workload must really exercise holds (else the property proves little about them). One batch
    // of 25 random histories misses a kind about one time in three, so batches (each with its own
    // seed, each checked in full) run until every kind was seen: at most 10 (with FC_SEED, just one).
    const batches = process.env.FC_SEED ? 1 : 10;
    for (let batch = 0; batch < batches && (batch === 0 || missing().length > 0); batch++)
      await assertSeeded(holdsHistory, true);
    expect(missing()).toEqual([]);
  });
});

async function checkAgainstFold(
  readSide: ReturnType<typeof readSideFixture>['readSide'],
  ledger: LedgerSimulation,
  end: number,
): Promise<void> {
  const trial = readSide.journals.trialBalance();
  let heldEverywhere = 0n;
  let uncollected = 0n;
  for (const [accountId, events] of ledger.eventsByAccount) {
    const state = foldAccount(events);
    for (const now of [end, end + 6 * HOUR, end + 400 * HOUR]) {
      const resets = ledger.resets.filter((r) => r.resetAt <= now);
      expect(readSide.accounts.account(accountId, now, rateCard)).toEqual(
        accountView(state, now, { rateCard, resets }),
      );
    }
    // The customer's ledger account, the sum of its journal postings and the decider's grants agree.
    const held = formatCredits(sumCredits(state.grants.map((g) => g.remaining)));
    expect(trial.ledgerAccounts[`customer:${accountId}:credits`] ?? '0').toBe(held);
    const entries = readSide.journals.journal(accountId, { limit: 1000 })?.items ?? [];
    const customer = `customer:${accountId}:credits`;
    const journalSum = entries
      .flatMap((e) => e.postings)
      .filter((p) => p.ledgerAccount === customer)
      .map((p) => toMicro(p.amount));
    expect(formatCredits(journalSum.reduce((a, b) => a + b, 0n))).toBe(held);
    expect(entries[entries.length - 1]?.endingBalance).toBe(held);
    // The timeline's state after the last event renders the decider's balance at any later instant.
    const last = await readSide.timelines.rawStateAt(accountId, end);
    expect(last).not.toBeNull();
    if (last !== null) {
      const at = end + 6 * HOUR;
      const view = renderTimelineState(last, at, rateCard, ledger.resets);
      expect(view.balance).toBe(formatCredits(balanceOf(state.grants, at)));
      expect(view.plan).toBe(state.plan);
      const decided = accountView(state, at, {
        rateCard,
        resets: ledger.resets.filter((r) => r.resetAt <= at),
      });
      expect({ held: view.held, windows: view.windows }).toEqual({
        held: decided?.credits.held,
        windows: decided?.windows,
      });
    }
    // Every hold the decider knows, as the holds read model keeps it; the open ones as its slice.
    for (const hold of state.holds.values()) {
      expect(readSide.holds.holdIn(accountId, hold.holdId)).toMatchObject({
        status: 'held',
        held: { allowanceUnits: hold.allowanceUnits, credits: formatCredits(hold.credits) },
      });
    }
    for (const [holdId, closed] of state.closedHolds) {
      const row = readSide.holds.holdIn(accountId, holdId);
      expect({ status: row?.status, usageId: row?.usageId ?? null }).toEqual(closed);
    }
    const byId = (x: { holdId: string }, y: { holdId: string }) => (x.holdId < y.holdId ? -1 : 1);
    expect(readSide.holds.openHoldsOf(accountId).sort(byId)).toEqual(openHolds(state.holds).sort(byId));
    heldEverywhere += heldCredits(state.holds);
    for (const e of events) {
      if (e.type === 'HoldSettled') uncollected += toMicro(e.data.uncollected.credits);
      if (e.type === 'UsageRecorded' || e.type === 'UsageRejected' || e.type === 'HoldSettled')
        expect(readSide.holds.accountsOfUsage(e.data.usageId)).toContain(accountId);
    }
  }
  // The journal's held and uncollected accounts carry exactly what the decider holds and could not collect.
  expect(trial.ledgerAccounts.held ?? '0').toBe(formatCredits(heldEverywhere));
  expect(trial.ledgerAccounts.uncollected ?? '0').toBe(formatCredits(uncollected));
}

function toMicro(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole, fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return negative ? -value : value;
}
