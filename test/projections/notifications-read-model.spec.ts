import { DAY, HOUR, MINUTE, T0 } from '@ledger/domain/testing/fixtures';
import { LedgerReadSide, notificationIdOf, type NotificationView } from '@ledger/projections';
import { join } from 'node:path';
import { readSideFixture, type ReadSideFixture } from './support/read-side-fixture';

/**
 * The notifications read model (SPEC §8) on real SQLite: each occasion once with a deterministic
 * id, paged, and the same after a rebuild from the log (verify compares them). Test rate card:
 * plus/codex 5h window 10 units, weekly 30; local_message 1 unit or 5 credits. Thresholds: the
 * default [80, 100] (the shipped card sets none).
 */
const A = 'alice';
const msg = (usageId: string, quantity: number) => ({
  usageId,
  accountId: A,
  product: 'codex',
  operation: 'local_message',
  quantity,
});

async function history(f: ReadSideFixture): Promise<void> {
  const run = f.ledger.run.bind(f.ledger);
  await run('OpenAccount', { accountId: A, plan: 'plus' }, T0);
  await run('SetAlerts', { accountId: A, creditsBelow: '50', expiringWithinDays: 7 }, T0 + 1);
  const purchase = { accountId: A, credits: '100', amountPaid: { amountMinor: 1000, currency: 'USD' } };
  // Expires in 10 days: outside the 7-day horizon now, inside it 3 days later.
  await run(
    'PurchaseCredits',
    { ...purchase, purchaseId: 'p-1', expiresAt: new Date(T0 + 10 * DAY).toISOString() },
    T0 + 2,
  );
  await run('RecordUsage', msg('u-1', 8), T0 + MINUTE); // 5h at 80 %
  await run('RecordUsage', msg('u-2', 1), T0 + 2 * MINUTE); // 90 %: nothing new
  await run('RecordUsage', msg('u-3', 1), T0 + 3 * MINUTE); // 100 %
  // A new 5h window: 10 units from it (80 % and 100 % again, its own occasions), 11 × 5 = 55 credits:
  // 45 < 50 → low; and p-1 now expires within 7 days.
  await run('RecordUsage', msg('u-4', 21), T0 + 3 * DAY);
  await run('RecordUsage', msg('u-5', 1), T0 + 3 * DAY + 1); // still below: no second credits.low
  await run('RecordUsage', msg('u-6', 100), T0 + 3 * DAY + 2); // rejected: insufficient → depleted
  await run(
    'SetAutoTopUp',
    { accountId: A, enabled: true, belowCredits: '50', targetCredits: '100', monthlyLimitCredits: '500' },
    T0 + 3 * DAY + 3,
  );
  const topUpId = f.ledger.states.get(A)!.alerts.outstanding!.topUpId;
  await run('RecordTopUpFailure', { accountId: A, topUpId, reason: 'card declined' }, T0 + 3 * DAY + 4);
  await run('SetSpendingCap', { accountId: A, creditsPerMonth: '1' }, T0 + 3 * DAY + 5);
  await run('RecordUsage', msg('u-7', 1), T0 + 3 * DAY + 6); // cap → spending_cap.reached
  await run('RecordUsage', msg('u-8', 1), T0 + 3 * DAY + 7); // same month, same cap: once
  await run(
    'PlaceHold',
    {
      holdId: 'h-1',
      accountId: A,
      product: 'codex',
      lines: [{ operation: 'local_message', quantity: 1 }],
      ttlSeconds: 60,
    },
    T0 + 4 * DAY,
  );
  await run('ExpireHold', { holdId: 'h-1', accountId: A }, T0 + 4 * DAY + HOUR);
}

describe('notifications read model (SQLite)', () => {
  let f: ReadSideFixture;
  let all: readonly NotificationView[];

  beforeAll(async () => {
    f = readSideFixture();
    await history(f);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
    all = f.readSide.notifications.list(A, { limit: 1000 }).items;
  });
  afterAll(() => f.close());

  it('gives each occasion once, in log order', () => {
    expect(all.map((n) => n.kind)).toEqual([
      'window.threshold', // 5h 80 %
      'window.threshold', // 5h 100 %
      'credits.low',
      'window.threshold', // the next 5h window, 80 %
      'window.threshold', // … and 100 %
      'credits.expiring',
      'credits.depleted',
      'topup.requested',
      'topup.failed',
      'topup.requested', // with the cap's append: it too leaves the balance below 50
      'spending_cap.reached',
      'hold.expired',
    ]);
    expect(all.filter((n) => n.kind === 'window.threshold').map((n) => n.data)).toEqual([
      expect.objectContaining({ product: 'codex', window: '5h', thresholdPercent: 80, usedPercent: 80 }),
      expect.objectContaining({ product: 'codex', window: '5h', thresholdPercent: 100, usedPercent: 100 }),
      expect.objectContaining({ window: '5h', thresholdPercent: 80, usedPercent: 100 }),
      expect.objectContaining({ window: '5h', thresholdPercent: 100, usedPercent: 100 }),
    ]);
    expect(all.find((n) => n.kind === 'credits.low')!.data).toEqual({ balance: '45', threshold: '50' });
    expect(all.find((n) => n.kind === 'credits.expiring')!.data).toEqual({
      grantId: 'p-1',
      remaining: '45',
      expiresAt: new Date(T0 + 10 * DAY).toISOString(),
    });
    const requested = all.filter((n) => n.kind === 'topup.requested');
    expect(requested.map((n) => n.data.credits)).toEqual(['60', '60']); // 100 − 40, twice
    expect(all.find((n) => n.kind === 'topup.failed')!.data).toMatchObject({
      failuresInARow: 1,
      autoTopUpTurnedOff: false,
    });
    expect(all.every((n) => n.accountId === A)).toBe(true);
  });

  it('has deterministic ids, derived from the occasion', () => {
    const startedAt = new Date(T0 + MINUTE).toISOString();
    expect(all[0].notificationId).toBe(notificationIdOf('window.threshold', A, 'codex', '5h', startedAt, 80));
    expect(all.find((n) => n.kind === 'hold.expired')!.notificationId).toBe(
      notificationIdOf('hold.expired', A, 'h-1'),
    );
    expect(new Set(all.map((n) => n.notificationId)).size).toBe(all.length);
  });

  it('pages with nextCursor, and refuses a cursor it did not give (400 field)', () => {
    const seen: NotificationView[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = f.readSide.notifications.list(A, { limit: 3, cursor });
      seen.push(...page.items);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(all);
    expect(() => f.readSide.notifications.list(A, { cursor: 'x' })).toThrow(/cursor/);
    expect(() => f.readSide.notifications.list(A, { limit: 0 })).toThrow(/limit/);
    expect(f.readSide.notifications.list('nobody').items).toEqual([]);
  });

  it('replaying the log gives the same notifications: verify agrees, and a rebuilt file holds the same rows', async () => {
    const report = await f.readSide.verify();
    expect(report.mismatches).toEqual([]);
    expect(report.ok).toBe(true);
    const rebuilt = LedgerReadSide.open({ store: f.store, databasePath: join(f.dir, 'rebuilt.sqlite') });
    rebuilt.start();
    try {
      expect(await rebuilt.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
      expect(rebuilt.notifications.list(A, { limit: 1000 }).items).toEqual(all);
    } finally {
      await rebuilt.close();
    }
  });

  it('restarts from its checkpoint without announcing anything twice', async () => {
    await f.reopen();
    await f.ledger.run('RecordUsage', msg('u-9', 1), T0 + 4 * DAY + 2 * HOUR); // a new 5h window: 10 %
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
    expect(f.readSide.notifications.list(A, { limit: 1000 }).items).toEqual(all);
  });
});
