import { T0 } from '@ledger/domain/testing/fixtures';
import {
  LEDGER_PROJECTIONS,
  storedQuarantines,
  StreamQuarantinedError,
  type ProjectionFailure,
  type ReadModelDatabase,
} from '@ledger/projections';
import { appendPoisonPurchase, countPoisonIn } from './support/poison-events';
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

  it('a poison event quarantines its stream in the projections that cannot apply it; every other account and projection goes on past it', async () => {
    f = readSideFixture();
    await f.ledger.run('OpenAccount', { accountId: 'victim', plan: 'plus' }, T0);
    await f.ledger.run('OpenAccount', { accountId: 'other', plan: 'plus' }, T0);
    await purchase(f, 'victim', 'p-1', T0 + 1);
    await purchase(f, 'other', 'p-2', T0 + 1);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 5_000)).toBe(true);
    const victimBefore = accountRows(f.readSide.db, 'victim');
    const poison = await appendPoisonPurchase(f.store, 'victim');
    countPoisonIn(f.ledger, 'victim');
    await usage(f, 'other', 'u-1', T0 + 2);
    await usage(f, 'victim', 'u-2', T0 + 3);
    await usage(f, 'other', 'u-3', T0 + 4);
    const victimLast = (await f.store.readStream('account-victim')).at(-1)!.position;
    const head = f.ledger.lastPosition;

    // ?minPosition= for the head is answered: the checkpoints move on past the poison.
    expect(await f.readSide.waitForPosition(head, 5_000)).toBe(true);
    const failures = f.readSide.runner.status().failures;
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures as ProjectionFailure[])
      expect(failure).toMatchObject({
        kind: 'event',
        stream: 'account-victim',
        position: poison,
        reason: expect.stringMatching(/010000/),
        heldBack: { count: 1, lastPosition: victimLast },
      });
    const quarantined = new Set(failures.map((failure) => failure.projection));
    expect(quarantined.size).toBeLessThan(f.readSide.runner.positions().size);
    for (const position of f.readSide.runner.positions().values()) expect(position).toBe(head);
    expect(f.readSide.runner.status().failure?.message).toMatch(
      /cannot apply the event at position \d+ \(stream "account-victim"/,
    );
    // Durable, in the read-model file, beside the checkpoints.
    expect(storedQuarantines(f.readSide.db).map((q) => [q.projection, q.stream, q.position])).toEqual(
      [...quarantined].sort().map((projection) => [projection, 'account-victim', poison]),
    );
    // The victim's rows in a quarantined projection are where they were before the poison: no
    // half-applied poison, no usage after it applied past it.
    const victimAfter = accountRows(f.readSide.db, 'victim');
    for (const projection of quarantined)
      for (const table of tablesOf(projection))
        expect(victimAfter.get(table)).toEqual(victimBefore.get(table));
    // The other account's rows moved on in every projection.
    expect(f.readSide.journals.journal('other', {})?.items.map((e) => e.type)).toContain('UsageRecorded');
    if (quarantined.has('journal')) {
      expect(() => f.readSide.journals.journal('victim', {})).toThrow(StreamQuarantinedError);
      expect(() => f.readSide.journals.journal('victim', {})).toThrow(/account-victim/);
    }
    // verify does not pass while a stream is quarantined, and names it.
    const report = await f.readSide.verify();
    expect(report.ok).toBe(false);
    expect(report.quarantined?.map((q) => [q.projection, q.stream, q.position])).toEqual(
      [...quarantined].sort().map((projection) => [projection, 'account-victim', String(poison)]),
    );

    // A restart finds the quarantine where it was; a rebuild with the poison still there brings it back.
    await f.reopen();
    expect(
      f.readSide.runner
        .status()
        .failures.map((x) => x.projection)
        .sort(),
    ).toEqual([...quarantined].sort());
    await f.readSide.rebuild([...quarantined]);
    expect(await f.readSide.waitForPosition(head, 10_000)).toBe(true);
    const again = f.readSide.runner.status().failures;
    expect(again.map((x) => [x.projection, x.stream, x.position]).sort()).toEqual(
      [...quarantined].sort().map((projection) => [projection, 'account-victim', poison]),
    );
    for (const projection of quarantined)
      for (const table of tablesOf(projection))
        expect(accountRows(f.readSide.db, 'victim').get(table)).toEqual(victimBefore.get(table));
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
    // A storage fault is no event's: nothing is quarantined, nothing moves past it.
    expect(failures.every((failure) => failure.kind === 'storage' && failure.stream === undefined)).toBe(
      true,
    );
    expect(storedQuarantines(f.readSide.db)).toEqual([]);

    f.readSide.db.pragma('max_page_count = 1073741823');
    expect(await f.readSide.waitForPosition(head, 20_000)).toBe(true);
    expect(f.readSide.runner.status().failures).toEqual([]);
    expect(f.readSide.runner.status().failure).toBeUndefined();
    expect(storedQuarantines(f.readSide.db)).toEqual([]);
    expect(await f.readSide.verify()).toMatchObject({ ok: true, mismatches: [] });
  });
});

const TABLES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  LEDGER_PROJECTIONS.map((p) => [p.name, p.tables.map((t) => t.name)]),
);

function tablesOf(projection: string): readonly string[] {
  return TABLES[projection] ?? [];
}

/** Every row of the account in each table that has an account_id column. */
function accountRows(db: ReadModelDatabase, accountId: string): Map<string, unknown[]> {
  const rows = new Map<string, unknown[]>();
  for (const table of Object.values(TABLES).flat()) {
    const columns = db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[];
    if (!columns.some((c) => c.name === 'account_id')) continue;
    rows.set(table, db.prepare(`SELECT * FROM "${table}" WHERE account_id = ? ORDER BY 1, 2`).all(accountId));
  }
  return rows;
}
