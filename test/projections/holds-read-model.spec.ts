import { foldAccount, openHolds, type HoldState } from '@ledger/domain';
import { MINUTE, T0 } from '@ledger/domain/testing/fixtures';
import { AmbiguousHoldIdError } from '@ledger/projections';
import { readSideFixture, type ReadSideFixture } from './support/read-side-fixture';

const ALICE = 'alice';
const BOB = 'bob';
const line = (quantity: number) => ({ operation: 'local_message', quantity });

async function openWithCredits(f: ReadSideFixture, accountId: string, now: number): Promise<void> {
  await f.ledger.run('OpenAccount', { accountId, plan: 'plus' }, now);
  await f.ledger.run(
    'PurchaseCredits',
    {
      purchaseId: `p-${accountId}`,
      accountId,
      credits: '100',
      amountPaid: { amountMinor: 1000, currency: 'USD' },
    },
    now + 1,
  );
}

/** Alice: h-1 settled, h-2 left to expire, h-3 released, h-4 open; Bob: his own h-1, open. */
async function holdsHistory(f: ReadSideFixture): Promise<void> {
  const { ledger } = f;
  await openWithCredits(f, ALICE, T0);
  await openWithCredits(f, BOB, T0);
  const place = (accountId: string, holdId: string, quantity: number, now: number, ttlSeconds?: number) =>
    ledger.run(
      'PlaceHold',
      { holdId, accountId, product: 'codex', lines: [line(quantity)], ttlSeconds },
      now,
    );
  expect(await place(ALICE, 'h-1', 12, T0 + 10)).toHaveLength(1);
  expect(await place(ALICE, 'h-2', 1, T0 + 11, 60)).toHaveLength(1);
  expect(await place(ALICE, 'h-3', 2, T0 + 12)).toHaveLength(1);
  expect(await place(BOB, 'h-1', 3, T0 + 13)).toHaveLength(1);
  // Rejected: not a hold (nothing held), so no row.
  expect((await place(ALICE, 'h-big', 10_000, T0 + 14))[0].type).toBe('HoldRejected');
  await ledger.run(
    'SettleHold',
    { holdId: 'h-1', accountId: ALICE, usageId: 'u-s1', lines: [line(11)] },
    T0 + 20,
  );
  await ledger.run('ReleaseHold', { holdId: 'h-3', accountId: ALICE, reason: 'cancelled' }, T0 + 21);
  await ledger.run(
    'RecordUsage',
    { usageId: 'u-1', accountId: ALICE, product: 'codex', operation: 'local_message', quantity: 1 },
    T0 + 22,
  );
  await ledger.run(
    'RecordUsage',
    { usageId: 'u-1', accountId: BOB, product: 'codex', operation: 'local_message', quantity: 1 },
    T0 + 23,
  );
  await place(ALICE, 'h-4', 1, T0 + 24, 600);
}

describe('holds read model', () => {
  let f: ReadSideFixture;

  beforeEach(async () => {
    f = readSideFixture();
    await holdsHistory(f);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
  });
  afterEach(() => f.close());

  it('answers GET /v1/holds/{holdId} for each state of a hold', () => {
    const settled = f.readSide.holds.holdOf('h-3');
    expect(settled).toEqual({
      holdId: 'h-3',
      accountId: ALICE,
      status: 'released',
      lines: [line(2)],
      held: { allowanceUnits: 0, credits: '10', allocations: [{ grantId: 'p-alice', credits: '10' }] },
      expiresAt: new Date(T0 + 12 + 3_600_000).toISOString(),
    });
    expect(f.readSide.holds.holdOf('h-2')).toMatchObject({
      status: 'held',
      held: { allowanceUnits: 0, credits: '5' },
    });
    expect(f.readSide.holds.holdOf('h-4')).toMatchObject({
      status: 'held',
      expiresAt: new Date(T0 + 24 + 600_000).toISOString(),
    });
    expect(f.readSide.holds.holdOf('h-big')).toBeUndefined();
    expect(f.readSide.holds.holdOf('nobody-held-this')).toBeUndefined();
  });

  it('shows a settled hold with its usage id and what it held', () => {
    // Alice's h-1 is settled; Bob holds another h-1, so the lookup by id alone is ambiguous.
    expect(() => f.readSide.holds.holdOf('h-1')).toThrow(AmbiguousHoldIdError);
    expect(() => f.readSide.holds.accountOfHold('h-1')).toThrow(/alice, bob/);
    const aliceH1 = f.readSide.db
      .prepare(
        `SELECT status, usage_id, allowance_units, credits FROM holds WHERE account_id = ? AND hold_id = 'h-1'`,
      )
      .get(ALICE);
    expect(aliceH1).toEqual({
      status: 'settled',
      usage_id: 'u-s1',
      allowance_units: 10,
      credits: 10_000_000,
    });
  });

  it('finds the account of a hold and the accounts of a usage id', () => {
    expect(f.readSide.holds.accountOfHold('h-3')).toBe(ALICE);
    expect(f.readSide.holds.accountOfHold('nope')).toBeUndefined();
    expect(f.readSide.holds.accountsOfUsage('u-1')).toEqual([ALICE, BOB]);
    expect(f.readSide.holds.accountsOfUsage('u-s1')).toEqual([ALICE]);
    expect(f.readSide.holds.accountsOfUsage('never')).toEqual([]);
  });

  it('lists open holds due at a time (inclusive), then not once expired', async () => {
    expect(f.readSide.holds.dueHolds(T0 + 11 + MINUTE - 1, 10)).toEqual([]);
    expect(f.readSide.holds.dueHolds(T0 + 11 + MINUTE, 10)).toEqual([{ holdId: 'h-2', accountId: ALICE }]);
    const late = T0 + 24 + 600_000;
    expect(f.readSide.holds.dueHolds(late, 10)).toEqual([
      { holdId: 'h-2', accountId: ALICE },
      { holdId: 'h-4', accountId: ALICE },
    ]);
    expect(f.readSide.holds.dueHolds(late, 1)).toHaveLength(1);
    await f.ledger.run('ExpireHold', { holdId: 'h-2', accountId: ALICE }, T0 + 2 * MINUTE);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
    expect(f.readSide.holds.dueHolds(late, 10)).toEqual([{ holdId: 'h-4', accountId: ALICE }]);
    expect(f.readSide.holds.holdOf('h-2')?.status).toBe('expired');
  });

  it('keeps the open holds exactly as the decider folds them', () => {
    for (const accountId of [ALICE, BOB]) {
      const folded = foldAccount(f.ledger.eventsByAccount.get(accountId) ?? []);
      const byId = (a: HoldState, b: HoldState) => (a.holdId < b.holdId ? -1 : 1);
      expect(f.readSide.holds.openHoldsOf(accountId).sort(byId)).toEqual(openHolds(folded.holds).sort(byId));
    }
  });

  // A window instance removed in the millisecond it started lapses from the open holds that held in
  // it (holds/RULES.md 1); the read model finds such holds by their windows' start (SQL), so holds
  // whose windows started earlier are neither read nor changed. Equal to the decider's fold.
  it('lapses the window references a reset or a usage removes in their first millisecond, as the decider', async () => {
    const carol = 'carol';
    const at = T0 + 10 * MINUTE;
    await openWithCredits(f, carol, T0 + 5 * MINUTE);
    const place = (holdId: string, now: number) =>
      f.ledger.run('PlaceHold', { holdId, accountId: carol, product: 'codex', lines: [line(2)] }, now);
    await place('c-old', at); // opens carol's windows at `at`
    await f.ledger.run(
      'ResetAccountLimits',
      { resetId: 'c-reset-1', accountId: carol, reason: 'support', product: 'codex' },
      at, // same millisecond: c-old's units lapse
    );
    await place('c-new', at + 1); // a new instance at at + 1
    await f.ledger.run(
      'RecordUsage',
      { usageId: 'c-u', accountId: carol, product: 'codex', operation: 'local_message', quantity: 1 },
      at + 1, // records the window c-new holds in: nothing lapses
    );
    await place('c-later', at + MINUTE);
    await f.ledger.run(
      'ResetAccountLimits',
      { resetId: 'c-reset-2', accountId: carol, reason: 'support' },
      at + 2 * MINUTE, // later than every instance: nothing lapses (they end, and keep their references)
    );
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
    const folded = foldAccount(f.ledger.eventsByAccount.get(carol) ?? []);
    const byId = (a: HoldState, b: HoldState) => (a.holdId < b.holdId ? -1 : 1);
    const projected = f.readSide.holds.openHoldsOf(carol).sort(byId);
    expect(projected).toEqual(openHolds(folded.holds).sort(byId));
    expect(projected.map((h) => [h.holdId, h.windows.length])).toEqual([
      ['c-later', 2],
      ['c-new', 2],
      ['c-old', 0],
    ]);
  });

  it('survives a rebuild and verifies clean against a replay of the log', async () => {
    expect(await f.readSide.verify()).toMatchObject({ ok: true, mismatches: [] });
    await f.readSide.rebuild(['holds']);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
    expect(f.readSide.holds.holdOf('h-3')?.status).toBe('released');
    f.readSide.db.exec(`UPDATE holds SET status = 'held' WHERE hold_id = 'h-3'`);
    const report = await f.readSide.verify();
    expect(report.mismatches).toEqual([
      expect.objectContaining({
        projection: 'holds',
        table: 'holds',
        key: { account_id: ALICE, hold_id: 'h-3' },
      }),
    ]);
  });
});
