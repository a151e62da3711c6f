import { accountView, foldAccount, formatCredits, sumCredits } from '@ledger/domain';
import { DAY, HOUR, rateCard, T0 } from '@ledger/domain/testing/fixtures';
import { InvalidQueryError, type JournalEntryView } from '@ledger/projections';
import { readSideFixture, type ReadSideFixture } from './support/read-side-fixture';

const ALICE = 'alice';
const iso = (ms: number) => new Date(ms).toISOString();

async function aliceHistory(f: ReadSideFixture): Promise<void> {
  const { ledger } = f;
  await ledger.run('OpenAccount', { accountId: ALICE, plan: 'plus' }, T0);
  await ledger.run(
    'PurchaseCredits',
    {
      purchaseId: 'p-1',
      accountId: ALICE,
      credits: '100',
      amountPaid: { amountMinor: 1000, currency: 'USD' },
    },
    T0 + 1,
  );
  await ledger.run(
    'GrantCredits',
    { grantId: 'g-1', accountId: ALICE, credits: '10', reason: 'welcome', expiresAt: iso(T0 + DAY) },
    T0 + 2,
  );
  await ledger.run(
    'RecordUsage',
    { usageId: 'u-1', accountId: ALICE, product: 'codex', operation: 'local_message', quantity: 10 },
    T0 + 3,
  );
  await ledger.run(
    'RecordUsage',
    { usageId: 'u-2', accountId: ALICE, product: 'codex', operation: 'local_message', quantity: 2 },
    T0 + 4,
  );
  await ledger.run(
    'RecordUsage',
    { usageId: 'u-3', accountId: ALICE, product: 'codex', operation: 'local_message', quantity: 4 },
    T0 + 5,
  );
  await ledger.resetLimits({ resetId: 'r-1', scope: 'all', reason: 'incident' }, T0 + HOUR);
  await ledger.run(
    'RefundPurchase',
    { refundId: 'rf-1', accountId: ALICE, purchaseId: 'p-1', reason: 'asked' },
    T0 + 2 * HOUR,
  );
  await ledger.run('ChangePlan', { accountId: ALICE, plan: 'pro' }, T0 + 3 * HOUR);
}

describe('read-model queries', () => {
  let f: ReadSideFixture;

  beforeEach(async () => {
    f = readSideFixture();
    await aliceHistory(f);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
  });
  afterEach(() => f.close());

  it('serves the account exactly as the decider would show it', () => {
    for (const now of [T0 + 5, T0 + HOUR + 1, T0 + 4 * HOUR, T0 + 2 * DAY]) {
      const expected = accountView(foldAccount(f.ledger.eventsByAccount.get(ALICE) ?? []), now, {
        rateCard,
        resets: f.ledger.resets.filter((r) => r.resetAt <= now),
      });
      expect(f.readSide.accounts.account(ALICE, now, rateCard)).toEqual(expected);
    }
    const view = f.readSide.accounts.account(ALICE, T0 + 4 * HOUR, rateCard);
    expect(view?.windows.every((w) => w.used === 0 && w.startedAt === null)).toBe(true); // voided by the reset
    expect(f.readSide.accounts.account('nobody', T0, rateCard)).toBeNull();
  });

  it('shows per-grant granted, used, expired, refunded and status', () => {
    expect(f.readSide.accounts.grantBalances(ALICE, T0 + 4 * HOUR)).toEqual([
      expect.objectContaining({
        grantId: 'p-1',
        granted: '100',
        used: '20',
        refunded: '80',
        remaining: '0',
        status: 'refunded',
      }),
      expect.objectContaining({
        grantId: 'g-1',
        granted: '10',
        used: '10',
        remaining: '0',
        status: 'exhausted',
      }),
    ]);
  });

  it('pages the timeline by cursor and shows the state after each event and as of any instant', async () => {
    const first = await f.readSide.timelines.timeline(ALICE, { limit: 3 }, rateCard);
    expect(first?.items.map((i) => i.type)).toEqual(['AccountOpened', 'CreditsPurchased', 'CreditsGranted']);
    expect(first?.items[1].stateAfter.balance).toBe('100');
    const rest = await f.readSide.timelines.timeline(
      ALICE,
      { cursor: first?.nextCursor ?? undefined, limit: 100 },
      rateCard,
    );
    expect(rest?.items.map((i) => i.type)).toEqual([
      'UsageRecorded',
      'UsageRecorded',
      'UsageRecorded',
      'PurchaseRefunded',
      'PlanChanged',
    ]);
    expect(rest?.nextCursor).toBeNull();
    expect(rest?.items[0].stateAfter.windows.find((w) => w.window === '5h')).toMatchObject({
      used: 10,
      remaining: 0,
      usedPercent: 100,
    });

    const asOf = await f.readSide.timelines.timeline(ALICE, { asOf: iso(T0 + 4) }, rateCard);
    expect(asOf?.items.map((i) => i.type)).toHaveLength(5);
    expect(asOf?.stateAsOf).toMatchObject({ plan: 'plus', balance: '100' });
    expect(asOf?.stateAsOf?.windows.find((w) => w.window === '5h')).toMatchObject({
      used: 10,
      limit: 10,
      remaining: 0,
    });
    const afterReset = await f.readSide.timelines.timeline(ALICE, { asOf: iso(T0 + HOUR + 1) }, rateCard);
    expect(afterReset?.stateAsOf?.windows.every((w) => w.used === 0)).toBe(true);
    expect(await f.readSide.timelines.timeline(ALICE, { asOf: iso(T0 - 1) }, rateCard)).toEqual({
      items: [],
      nextCursor: null,
      stateAsOf: null,
    });
  });

  it('keeps a balanced double-entry journal whose customer account equals the balance', () => {
    const entries = f.readSide.journals.journal(ALICE, { limit: 1000 })?.items ?? [];
    expect(entries.map((e) => e.type)).toEqual([
      'AccountOpened',
      'CreditsPurchased',
      'CreditsGranted',
      'UsageRecorded',
      'UsageRecorded',
      'UsageRecorded',
      'PurchaseRefunded',
      'PlanChanged',
    ]);
    for (const entry of entries) expect(sumOf(entry.postings.map((p) => p.amount))).toBe(0n);
    expect(entries[4]).toMatchObject({
      commandId: 'u-2',
      startingBalance: '110',
      endingBalance: '100',
      rateCardVersion: 'test-1',
      actor: 'tester',
      postings: [
        { ledgerAccount: 'consumed', amount: '10', grantId: 'g-1' },
        { ledgerAccount: 'customer:alice:credits', amount: '-10', grantId: 'g-1' },
      ],
    });
    expect(entries[6]).toMatchObject({ reason: 'asked', endingBalance: '0' });
    const balances = f.readSide.journals.trialBalance();
    expect(balances).toEqual({
      ledgerAccounts: {
        consumed: '30',
        'customer:alice:credits': '0',
        deferred_revenue: '-100',
        promotional: '-10',
        refunded: '80',
      },
      total: '0',
      position: String(f.ledger.lastPosition),
    });
    const state = f.ledger.states.get(ALICE);
    expect(balances.ledgerAccounts['customer:alice:credits']).toBe(
      formatCredits(sumCredits(state?.grants.map((g) => g.remaining) ?? [])),
    );
  });

  it('pages the journal by position, stable while new entries land', async () => {
    const page1 = f.readSide.journals.journal(ALICE, { limit: 4 });
    await f.ledger.run(
      'GrantCredits',
      { grantId: 'g-2', accountId: ALICE, credits: '5', reason: 'sorry' },
      T0 + 4 * HOUR,
    );
    await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000);
    const page2 = f.readSide.journals.journal(ALICE, { limit: 4, cursor: page1?.nextCursor ?? undefined });
    const page3 = f.readSide.journals.journal(ALICE, { limit: 4, cursor: page2?.nextCursor ?? undefined });
    const all = [...(page1?.items ?? []), ...(page2?.items ?? []), ...(page3?.items ?? [])];
    expect(all.map((e) => e.type).slice(-2)).toEqual(['PlanChanged', 'CreditsGranted']);
    expect(new Set(all.map((e) => e.entryId)).size).toBe(9);
    expect(page3?.nextCursor).toBeNull();
    const timeBounded = f.readSide.journals.journal(ALICE, { from: iso(T0 + 3), to: iso(T0 + 6) });
    expect(timeBounded?.items.map((e) => e.commandId)).toEqual(['u-1', 'u-2', 'u-3']);
    expect(f.readSide.journals.journal('nobody', {})).toBeNull();
  });

  it('refuses malformed cursors, limits and instants', async () => {
    expect(() => f.readSide.journals.journal(ALICE, { cursor: 'abc' })).toThrow(InvalidQueryError);
    await expect(f.readSide.timelines.timeline(ALICE, { limit: 0 }, rateCard)).rejects.toThrow(
      InvalidQueryError,
    );
    await expect(f.readSide.timelines.timeline(ALICE, { asOf: 'yesterday' }, rateCard)).rejects.toThrow(
      InvalidQueryError,
    );
    expect(() => f.readSide.journalExport.stream({ format: 'xml' })).toThrow(InvalidQueryError);
  });

  it('streams the journal as JSONL and CSV in chunks', async () => {
    const jsonl = await text(f.readSide.journalExport.stream({ format: 'jsonl', chunkSize: 2 }).body);
    const entries = jsonl
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as JournalEntryView);
    expect(entries).toHaveLength(9); // alice's 8 entries and the global reset
    expect(entries.find((e) => e.type === 'LimitsReset')).toMatchObject({
      accountId: null,
      commandId: 'r-1',
      postings: [],
    });
    const csv = await text(f.readSide.journalExport.stream({ format: 'csv', chunkSize: 3 }).body);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^entry_id,position,recorded_at,type,account_id,line,ledger_account,amount/);
    const postingLines = lines.slice(1).filter((l) => l.includes(',customer:alice:credits,'));
    expect(sumOf(postingLines.map((l) => l.split(',')[7]))).toBe(0n);
    const ranged = await text(
      f.readSide.journalExport.stream({ format: 'jsonl', from: iso(T0 + HOUR) }).body,
    );
    expect(
      ranged
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as JournalEntryView).type),
    ).toEqual(['LimitsReset', 'PurchaseRefunded', 'PlanChanged']);
  });

  it('verifies the live read models against a replay of the log, reporting each mismatch', async () => {
    const clean = await f.readSide.verify();
    expect(clean).toEqual({
      ok: true,
      eventsReplayed: 9,
      mismatches: [],
      position: String(f.ledger.lastPosition),
      truncated: false,
    });
    f.readSide.db.exec(`UPDATE cb_grants SET used = used + 1 WHERE grant_id = 'p-1'`);
    f.readSide.db.exec(`DELETE FROM timeline_events WHERE type = 'PlanChanged'`);
    const report = await f.readSide.verify();
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual([
      expect.objectContaining({
        projection: 'credit-balances',
        table: 'cb_grants',
        key: { account_id: ALICE, grant_id: 'p-1' },
      }),
      expect.objectContaining({ projection: 'timeline', table: 'timeline_events', live: null }),
    ]);
    expect(report.mismatches[0].live).toMatchObject({ used: '20000001' });
    expect(report.mismatches[0].replayed).toMatchObject({ used: '20000000' });
  });
});

function sumOf(amounts: readonly string[]): bigint {
  return amounts.reduce((sum, a) => sum + BigInt(Math.round(Number(a) * 1e6)), 0n);
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}
