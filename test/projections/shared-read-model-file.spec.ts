import { T0 } from '@ledger/domain/testing/fixtures';
import { LedgerReadSide } from '@ledger/projections';
import { join } from 'node:path';
import { readSideFixture, type ReadSideFixture } from './support/read-side-fixture';

/**
 * Several nodes on one data dir share one read-model file (each with its own connection and
 * runner): a runner must skip the batches another applied, and follow a rebuild done elsewhere,
 * so that every node's read models stay a fold of the log (docs/RELIABILITY.md Finding 7).
 */
describe('two runners on one read-model file', () => {
  let f: ReadSideFixture;
  let other: LedgerReadSide;
  const errors: Error[] = [];

  beforeEach(() => {
    f = readSideFixture({ batchSize: 5 });
    other = LedgerReadSide.open({
      store: f.store,
      databasePath: join(f.dir, 'read-models.sqlite'),
      batchSize: 3,
      retryDelayMs: 10,
      onError: (error) => errors.push(error),
    });
    other.start();
  });
  afterEach(async () => {
    await other.close();
    await f.close();
  });

  const usage = (i: number) =>
    f.ledger.run(
      'RecordUsage',
      { usageId: `u-${i}`, accountId: 'a1', product: 'codex', operation: 'local_message', quantity: 1 },
      T0 + 10 + i,
    );

  it('both reach the head, neither fails, and the shared rows equal a replay of the log', async () => {
    await f.ledger.run('OpenAccount', { accountId: 'a1', plan: 'plus' }, T0);
    for (let i = 0; i < 40; i++) await usage(i);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 10_000)).toBe(true);
    expect(await other.waitForPosition(f.ledger.lastPosition, 10_000)).toBe(true);
    expect([f.readSide.runner.status().failure, other.runner.status().failure]).toEqual([
      undefined,
      undefined,
    ]);
    expect(errors).toEqual([]);
    expect((await f.readSide.verify()).mismatches).toEqual([]);
  });

  it('a runner whose projection another node rebuilt reads the log again from the reset checkpoint', async () => {
    await f.ledger.run('OpenAccount', { accountId: 'a1', plan: 'plus' }, T0);
    for (let i = 0; i < 20; i++) await usage(i);
    expect(await other.waitForPosition(f.ledger.lastPosition, 10_000)).toBe(true);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 10_000)).toBe(true);
    // Our node rebuilds the journal while the other node keeps running with its cached rows.
    await f.readSide.rebuild(['journal']);
    for (let i = 20; i < 30; i++) await usage(i);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 10_000)).toBe(true);
    expect(await other.waitForPosition(f.ledger.lastPosition, 10_000)).toBe(true);
    expect(other.runner.status().failure).toBeUndefined();
    const trial = f.readSide.journals.trialBalance();
    expect(trial.total).toBe('0');
    expect(f.readSide.journals.journal('a1', { limit: 1000 })?.items).toHaveLength(31);
    expect((await f.readSide.verify()).mismatches).toEqual([]);
  });
});
