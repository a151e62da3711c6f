import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRateCard, type RateCard } from '@ledger/domain';
import { SimulatedClock } from '../../apps/ledger/src/clock/clock';
import { openCommandPath } from '../../apps/ledger/src/core/command-path';

const rateCard: RateCard = (() => {
  const parsed = parseRateCard(
    JSON.parse(fs.readFileSync(path.join(__dirname, '../../config/rate-card.json'), 'utf8')),
  );
  if (!parsed.ok) throw new Error('rate card');
  return parsed.rateCard;
})();

/** The command path as the app wires it, on real SQLite files: opened anew = a restarted process (cold cache). */
function open(dir: string, clock: SimulatedClock) {
  const path = openCommandPath({ dataDir: dir, clock, rateCard });
  return { ...path, service: path.accounts, store: path.stores.events, snapshots: path.stores.snapshots };
}

const usage = (usageId: string, quantity = 1) =>
  ({
    type: 'RecordUsage',
    data: { usageId, accountId: 'acct-1', product: 'codex', operation: 'local_message', quantity },
  }) as const;

describe('AccountCommandsService on SQLite (integration)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-commands-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers a retry of an old command with its original outcome after snapshots moved its key out of the state', async () => {
    const clock = new SimulatedClock(Date.parse('2026-11-02T09:00:00Z'));
    const first = open(dir, clock);
    await first.service.execute({ type: 'OpenAccount', data: { accountId: 'acct-1', plan: 'pro' } }, 'test');
    const original = await first.service.execute(usage('u-0'), 'test');
    for (let i = 1; i < 1_200; i++) await first.service.execute(usage(`u-${i}`), 'test');
    // In the running process: the key of u-0 left the cached state at the first snapshot.
    const state = await first.service.load('acct-1');
    expect(state.idempotency.has('usage:u-0')).toBe(false);
    const replayHot = await first.service.execute(usage('u-0'), 'test');
    expect(replayHot).toEqual({
      kind: 'replayed',
      events: original.kind === 'appended' ? original.events.slice(-1) : [],
    });
    await first.close();

    const second = open(dir, clock);
    // A cold load starts from the latest snapshot: it folds only the tail, and the old keys stay in the index.
    const loaded = await second.service.load('acct-1');
    expect(loaded.version).toBe(1_201);
    expect(loaded.idempotency.size).toBeLessThan(500);
    const head = await second.store.headPosition();
    const replayCold = await second.service.execute(usage('u-0'), 'test');
    expect(replayCold.kind).toBe('replayed');
    expect(replayCold).toEqual(replayHot);
    const conflict = await second.service.execute(usage('u-0', 2), 'test');
    expect(conflict).toMatchObject({ kind: 'error', error: { code: 'conflict' } });
    expect(await second.store.headPosition()).toBe(head);
    const cold = await second.service.load('acct-1');
    expect(cold.version).toBe(1_201);
    expect(cold.idempotency.size).toBeLessThan(500);
    await second.close();
  });

  it('serialises concurrent commands of one account: every usage counted once, retries replayed', async () => {
    const clock = new SimulatedClock(Date.parse('2026-11-02T09:00:00Z'));
    const ledger = open(dir, clock);
    await ledger.service.execute({ type: 'OpenAccount', data: { accountId: 'acct-1', plan: 'pro' } }, 'test');
    const ids = Array.from({ length: 200 }, (_, i) => `c-${i % 100}`);
    const outcomes = await Promise.all(ids.map((id) => ledger.service.execute(usage(id), 'test')));
    expect(outcomes.filter((o) => o.kind === 'appended')).toHaveLength(100);
    expect(outcomes.filter((o) => o.kind === 'replayed')).toHaveLength(100);
    const state = await ledger.service.load('acct-1');
    expect(state.windows.find((w) => w.name === '5h')?.used).toBe(100);
    await ledger.close();
  });
});
