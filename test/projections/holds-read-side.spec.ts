import { accountView, foldAccount, type AccountEvent, type AccountView } from '@ledger/domain';
import { DAY, MINUTE, rateCard, T0 } from '@ledger/domain/testing/fixtures';
import { readSideFixture, type ReadSideFixture } from './support/read-side-fixture';

const ALICE = 'alice';
const line = (quantity: number) => ({ operation: 'local_message', quantity });
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Holds in every state, a settlement within and one beyond its hold (part uncollected), a release
 * and an expiry, a hold whose grant expires while held, and reversals (one regranted): what the
 * account, timeline and journal show after each step, against the decider's own fold.
 */
async function history(f: ReadSideFixture): Promise<Map<string, AccountEvent[]>> {
  const { ledger } = f;
  const seen = new Map<string, AccountEvent[]>();
  const run = async (label: string, p: Promise<AccountEvent[]>) => seen.set(label, await p);
  await run('open', ledger.run('OpenAccount', { accountId: ALICE, plan: 'plus' }, T0));
  await run(
    'purchase',
    ledger.run(
      'PurchaseCredits',
      {
        purchaseId: 'p-1',
        accountId: ALICE,
        credits: '100',
        amountPaid: { amountMinor: 1000, currency: 'USD' },
      },
      T0 + 1,
    ),
  );
  await run(
    'grant',
    ledger.run(
      'GrantCredits',
      { grantId: 'g-1', accountId: ALICE, credits: '40', reason: 'welcome', expiresAt: iso(T0 + DAY) },
      T0 + 2,
    ),
  );
  const place = (holdId: string, quantity: number, now: number, ttlSeconds?: number) =>
    ledger.run(
      'PlaceHold',
      { holdId, accountId: ALICE, product: 'codex', lines: [line(quantity)], ttlSeconds },
      now,
    );
  await run('h-1', place('h-1', 12, T0 + 10));
  await run(
    'u-1',
    ledger.run(
      'RecordUsage',
      { usageId: 'u-1', accountId: ALICE, product: 'codex', operation: 'local_message', quantity: 1 },
      T0 + 11,
    ),
  );
  await run('h-2', place('h-2', 1, T0 + 12, 60));
  await run(
    'settle h-1',
    ledger.run(
      'SettleHold',
      { holdId: 'h-1', accountId: ALICE, usageId: 'u-s1', lines: [line(14)] },
      T0 + 20,
    ),
  );
  await run('expire h-2', ledger.run('ExpireHold', { holdId: 'h-2', accountId: ALICE }, T0 + 2 * MINUTE));
  await run('h-3', place('h-3', 2, T0 + 3 * MINUTE, 86_400));
  await run('expire credits', ledger.run('ExpireCredits', { accountId: ALICE }, T0 + DAY + 1));
  await run(
    'release h-3',
    ledger.run('ReleaseHold', { holdId: 'h-3', accountId: ALICE, reason: 'task cancelled' }, T0 + DAY + 2),
  );
  await run(
    'reverse u-1',
    ledger.run(
      'ReverseUsage',
      { reversalId: 'r-1', accountId: ALICE, usageId: 'u-1', reason: 'task failed' },
      T0 + DAY + 3,
    ),
  );
  await run('cap', ledger.run('SetSpendingCap', { accountId: ALICE, creditsPerMonth: '60' }, T0 + DAY + 4));
  await run('h-4', place('h-4', 1, T0 + DAY + 5));
  await run(
    'settle h-4',
    ledger.run(
      'SettleHold',
      { holdId: 'h-4', accountId: ALICE, usageId: 'u-s4', lines: [line(30)] },
      T0 + DAY + 6,
    ),
  );
  await run(
    'reverse u-s1',
    ledger.run(
      'ReverseUsage',
      { reversalId: 'r-2', accountId: ALICE, usageId: 'u-s1', reason: 'task failed' },
      T0 + DAY + 7,
    ),
  );
  await run('h-5', place('h-5', 2, T0 + DAY + 8));
  return seen;
}

describe('read side with holds and reversals', () => {
  let f: ReadSideFixture;
  let seen: Map<string, AccountEvent[]>;

  beforeAll(async () => {
    f = readSideFixture();
    seen = await history(f);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
  });
  afterAll(() => f.close());

  const events = () => f.ledger.eventsByAccount.get(ALICE) ?? [];
  const deciderView = (upTo: number, now: number): AccountView | null =>
    accountView(foldAccount(events().slice(0, upTo)), now, { rateCard, resets: [] });

  it('runs the scenario the way the test means it', () => {
    const types = (label: string) => seen.get(label)?.map((e) => e.type);
    expect(types('h-1')).toEqual(['HoldPlaced']);
    expect(types('settle h-1')).toEqual(['HoldSettled']);
    expect(types('expire h-2')).toEqual(['HoldExpired']);
    expect(types('expire credits')).toEqual(['CreditsExpired']);
    expect(types('release h-3')).toEqual(['HoldReleased']);
    expect(types('reverse u-1')).toEqual(['UsageReversed']);
    expect(types('settle h-4')).toEqual(['HoldSettled']);
    expect(types('reverse u-s1')).toEqual(['UsageReversed']);
    expect(types('h-5')).toEqual(['HoldPlaced']);
    const settle4 = seen.get('settle h-4')?.[0];
    expect(settle4?.type === 'HoldSettled' && settle4.data.uncollected).toEqual({
      credits: expect.not.stringMatching(/^0$/),
      reason: 'spending_cap_reached',
    });
    const release3 = seen.get('release h-3')?.[0];
    expect(release3?.type === 'HoldReleased' && release3.data.released.expired).toEqual([
      expect.objectContaining({ grantId: 'g-1' }),
    ]);
    const reverse1 = seen.get('reverse u-1')?.[0];
    expect(reverse1?.type === 'UsageReversed' && reverse1.data.regranted).toEqual(
      expect.objectContaining({ grantId: 'reversal-r-1' }),
    );
  });

  it('serves the account as the decider shows it, held amounts included', () => {
    const all = events().length;
    for (const now of [T0 + DAY + 8, T0 + DAY + 9, T0 + 2 * DAY + 10]) {
      expect(f.readSide.accounts.account(ALICE, now, rateCard)).toEqual(deciderView(all, now));
    }
    const view = f.readSide.accounts.account(ALICE, T0 + DAY + 9, rateCard);
    expect(view?.credits.held).toBe('10');
    expect(view?.windows.find((w) => w.window === '5h')).toMatchObject({ held: 0 });
    const grants = f.readSide.accounts.grantBalances(ALICE, T0 + DAY + 9) ?? [];
    for (const g of grants) {
      const sum = [g.remaining, g.held, g.used, g.expired, g.refunded].reduce((s, a) => s + micro(a), 0n);
      if (g.status === 'active' || g.status === 'exhausted') expect(sum).toBe(micro(g.granted));
    }
    expect(grants.map((g) => g.grantId)).toContain('reversal-r-1');
  });

  it('shows the state after each event in the timeline, as the decider saw it then', async () => {
    const page = await f.readSide.timelines.timeline(ALICE, { limit: 100 }, rateCard);
    const items = page?.items ?? [];
    expect(items).toHaveLength(events().length);
    items.forEach((item, i) => {
      const at = Date.parse(item.recordedAt);
      const view = deciderView(i + 1, at);
      expect({
        type: item.type,
        windows: item.stateAfter.windows,
        balance: item.stateAfter.balance,
        held: item.stateAfter.held,
      }).toEqual({
        type: events()[i].type,
        windows: view?.windows,
        balance: view?.credits.balance,
        held: view?.credits.held,
      });
    });
    const placed = items.find((i) => i.type === 'HoldPlaced');
    expect(placed?.stateAfter.windows.find((w) => w.window === '5h')).toMatchObject({
      used: 0,
      held: 10,
      remaining: 0,
    });
  });

  it('journals every hold, settlement, release, expiry and reversal with a zero trial balance', async () => {
    const trial = f.readSide.journals.trialBalance();
    expect(trial.total).toBe('0');
    const view = f.readSide.accounts.account(ALICE, T0 + DAY + 9, rateCard);
    expect(trial.ledgerAccounts[`customer:${ALICE}:credits`]).toBe(view?.credits.balance);
    expect(trial.ledgerAccounts.held).toBe(view?.credits.held);
    const settle4 = seen.get('settle h-4')?.[0];
    const uncollected = settle4?.type === 'HoldSettled' ? settle4.data.uncollected.credits : 'missing';
    expect(trial.ledgerAccounts.uncollected).toBe(uncollected);
    expect(trial.ledgerAccounts.usage_unfunded).toBe(`-${uncollected}`);
    const page = await f.readSide.journals.journal(ALICE, { limit: 100 });
    const entry = (type: string, n = 0) => page?.items.filter((e) => e.type === type)[n];
    expect(entry('HoldSettled', 1)).toMatchObject({ reason: 'spending_cap_reached', commandId: 'u-s4' });
    expect(entry('HoldReleased')?.postings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ledgerAccount: 'expired', grantId: 'g-1' }),
        expect.objectContaining({ ledgerAccount: 'held', grantId: 'g-1' }),
      ]),
    );
    expect(entry('UsageReversed')?.postings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ledgerAccount: `customer:${ALICE}:credits`, grantId: 'reversal-r-1' }),
      ]),
    );
    for (const e of page?.items ?? []) {
      expect(e.postings.reduce((s, p) => s + micro(p.amount), 0n)).toBe(0n);
    }
  });

  it('verifies clean against a replay of the log', async () => {
    expect(await f.readSide.verify()).toMatchObject({ ok: true, mismatches: [] });
  });
});

function micro(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole, fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const value = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return negative ? -value : value;
}
