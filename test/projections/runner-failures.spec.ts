import { T0 } from '@ledger/domain/testing/fixtures';
import type { ProjectionFailure } from '@ledger/projections';
import { appendPoisonPurchase } from './support/poison-events';
import { readSideFixture, type ReadSideFixture } from './support/read-side-fixture';

/** Polls a condition with a bound (never a fixed sleep): true once it holds, false after `timeoutMs`. */
async function eventually(condition: () => boolean, timeoutMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

const purchase = (f: ReadSideFixture, accountId: string, purchaseId: string, at: number) =>
  f.ledger.run(
    'PurchaseCredits',
    { purchaseId, accountId, credits: '100', amountPaid: { amountMinor: 1000, currency: 'USD' } },
    at,
  );

const usage = (f: ReadSideFixture, accountId: string, usageId: string, at: number) =>
  f.ledger.run(
    'RecordUsage',
    { usageId, accountId, product: 'codex', operation: 'local_message', quantity: 1 },
    at,
  );

/** SPEC §10: a projection that meets an event it cannot apply, or storage it cannot write, does not stop silently. */
describe('projection runner failures (real SQLite log and read-model file)', () => {
  let f: ReadSideFixture;
  afterEach(async () => {
    await f.close();
  });

  it('a poison event stops only the projections that cannot apply it, just before it; the others keep going', async () => {
    f = readSideFixture();
    await f.ledger.run('OpenAccount', { accountId: 'victim', plan: 'plus' }, T0);
    await f.ledger.run('OpenAccount', { accountId: 'other', plan: 'plus' }, T0);
    await purchase(f, 'victim', 'p-1', T0 + 1);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
    const poison = await appendPoisonPurchase(f.store, 'victim');
    await usage(f, 'other', 'u-1', T0 + 2);
    await usage(f, 'other', 'u-2', T0 + 3);
    const head = f.ledger.lastPosition;

    expect(await eventually(() => f.readSide.runner.status().failures.length > 0)).toBe(true);
    const failures = f.readSide.runner.status().failures;
    expect(failures.map((failure: ProjectionFailure) => failure.kind)).toEqual(failures.map(() => 'event'));
    for (const failure of failures) {
      expect(failure.position).toBe(poison);
      expect(failure.reason).toMatch(/010000/);
      // Stopped just before the poison event, never past it.
      expect(f.readSide.runner.positions().get(failure.projection)).toBe(poison - 1n);
    }
    const stopped = new Set(failures.map((failure) => failure.projection));
    const moving = [...f.readSide.runner.positions().keys()].filter((name) => !stopped.has(name));
    expect(moving.length).toBeGreaterThan(0);
    // The others apply the poison's successors: the other account's usage is in their rows.
    expect(
      await eventually(() => moving.every((name) => f.readSide.runner.positions().get(name) === head)),
    ).toBe(true);
    expect(f.readSide.runner.status().failure?.message).toMatch(/cannot apply the event at position/);
    // ?minPosition= never claims a position a stopped projection has not reached.
    expect(await f.readSide.waitForPosition(head, 200)).toBe(false);
  });

  it('a read-model file that cannot grow (disk full) stops every projection, then heals by itself once it can', async () => {
    f = readSideFixture();
    await f.ledger.run('OpenAccount', { accountId: 'a', plan: 'plus' }, T0);
    await purchase(f, 'a', 'p-1', T0 + 1);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
    const before = f.readSide.position();
    // In-process runner: the read side's connection is the runner's. The file may not grow any more.
    const pages = Number(f.readSide.db.pragma('page_count', { simple: true }));
    f.readSide.db.pragma(`max_page_count = ${pages}`);
    for (let i = 0; i < 300; i++) await usage(f, 'a', `u-${i}`, T0 + 2 + i);
    const head = f.ledger.lastPosition;

    expect(
      await eventually(() => f.readSide.runner.status().failures.some((x) => x.kind === 'storage')),
    ).toBe(true);
    const failures = f.readSide.runner.status().failures;
    expect(failures.map((failure) => failure.projection).sort()).toEqual(
      [...f.readSide.runner.positions().keys()].sort(),
    );
    expect(failures[0].reason).toMatch(/SQLITE_FULL/);
    // What fitted in the free pages committed; nothing after the failure, never half a batch.
    expect(f.readSide.position()).toBeGreaterThanOrEqual(before);
    expect(f.readSide.position()).toBeLessThan(head);
    expect(f.readSide.runner.status().running).toBe(true);

    f.readSide.db.pragma('max_page_count = 1073741823');
    expect(await f.readSide.waitForPosition(head, 20_000)).toBe(true);
    expect(f.readSide.runner.status().failures).toEqual([]);
    expect(f.readSide.runner.status().failure).toBeUndefined();
    expect((await f.readSide.verify()).mismatches).toEqual([]);
  });
});
