import { accountView, balanceOf, foldAccount, formatCredits, sumCredits } from '@ledger/domain';
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

describe('projections are a fold of the log (property)', () => {
  it('equal the decider fold, balance to zero, and journal each balance, for random histories', async () => {
    const options = seeded(Number(process.env.FC_RUNS ?? 25));
    await fc
      .assert(
        fc.asyncProperty(history, async (steps) => {
          const f = readSideFixture({ batchSize: 7 });
          try {
            let now = T0;
            for (const a of ACCOUNTS) await f.ledger.run('OpenAccount', { accountId: a, plan: 'plus' }, now);
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
          } finally {
            await f.close();
          }
        }),
        options,
      )
      .catch((error: unknown) => {
        throw new Error(`${String(error)}\nreplay with FC_SEED=${options.seed}`);
      });
  });
});

async function checkAgainstFold(
  readSide: ReturnType<typeof readSideFixture>['readSide'],
  ledger: LedgerSimulation,
  end: number,
): Promise<void> {
  const trial = readSide.journals.trialBalance();
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
      const view = renderTimelineState(last, end + 6 * HOUR, rateCard, ledger.resets);
      expect(view.balance).toBe(formatCredits(balanceOf(state.grants, end + 6 * HOUR)));
      expect(view.plan).toBe(state.plan);
    }
  }
}

function toMicro(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole, fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return negative ? -value : value;
}
