import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRateCard, type RateCard } from '@ledger/domain';
import { SimulatedClock } from '../../../apps/ledger/src/clock/clock';
import { openCommandPath } from '../../../apps/ledger/src/core/command-path';
import { startEsdbDouble, type EsdbDouble } from '../../support/esdb-double/esdb-double';
import { ENGINES } from '../../support/ledger-app';

const rateCard: RateCard = (() => {
  const parsed = parseRateCard(
    JSON.parse(fs.readFileSync(path.join(__dirname, '../../../config/rate-card.json'), 'utf8')),
  );
  if (!parsed.ok) throw new Error('rate card');
  return parsed.rateCard;
})();

const TOKENS = 'gpt-5.5:output_tokens';
const usage = (usageId: string, quantity: number) =>
  ({
    type: 'RecordUsage',
    data: { usageId, accountId: 'acct-1', product: 'codex', operation: TOKENS, quantity },
  }) as const;

/**
 * ReverseUsage needs the usage's own event, read at the revision the idempotency index keeps for
 * `usage:<usageId>`. After snapshots, old keys live only in the key index, not in the state: the
 * command path (as the app wires it) must find them there, in the running process and after a
 * restart (a cold load from the snapshot).
 */
describe.each(ENGINES)('a reversal of an old usage whose key left the state [%s]', (engine) => {
  let dir: string;
  let double: EsdbDouble | undefined;
  const open = (clock: SimulatedClock) =>
    openCommandPath({
      dataDir: dir,
      clock,
      rateCard,
      ...(double === undefined ? {} : { eventStoreConnectionString: double.connectionString }),
    });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-reversal-'));
    if (engine === 'eventstoredb') double = await startEsdbDouble();
  });
  afterEach(async () => {
    await double?.stop();
    double = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reverses it (from the key index), once, after 600 more commands and after a restart', async () => {
    const clock = new SimulatedClock(Date.parse('2026-11-02T09:00:00Z'));
    const first = open(clock);
    const run = (path: typeof first, command: Parameters<typeof first.accounts.execute>[0]) =>
      path.accounts.execute(command, 'test');
    await run(first, { type: 'OpenAccount', data: { accountId: 'acct-1', plan: 'plus' } });
    await run(first, {
      type: 'PurchaseCredits',
      data: {
        purchaseId: 'p-1',
        accountId: 'acct-1',
        credits: '1000',
        amountPaid: { amountMinor: 100, currency: 'USD' },
      },
    });
    expect((await run(first, usage('u-old', 4000))).kind).toBe('appended'); // 3 credits
    for (let i = 0; i < 600; i++) await run(first, usage(`u-${i}`, 4));
    expect((await first.accounts.load('acct-1')).idempotency.has('usage:u-old')).toBe(false);
    await first.close();

    const second = open(clock);
    expect((await second.accounts.load('acct-1')).idempotency.has('usage:u-old')).toBe(false);
    const reversal = (reversalId: string) =>
      run(second, {
        type: 'ReverseUsage',
        data: { reversalId, accountId: 'acct-1', usageId: 'u-old', reason: 'task failed' },
      });
    const reversed = await reversal('rv-1');
    expect(reversed.kind).toBe('appended');
    if (reversed.kind !== 'appended') return;
    expect(reversed.events.at(-1)?.event).toMatchObject({
      type: 'UsageReversed',
      data: { usageId: 'u-old', credits: '3', allocations: [{ grantId: 'p-1', credits: '3' }] },
    });
    expect((await reversal('rv-1')).kind).toBe('replayed');
    expect(await reversal('rv-2')).toMatchObject({ kind: 'error', error: { code: 'conflict' } });
    // A usage id never recorded is not found, even with a full key index behind the state.
    const unknown = await run(second, {
      type: 'ReverseUsage',
      data: { reversalId: 'rv-3', accountId: 'acct-1', usageId: 'u-never', reason: 'x' },
    });
    expect(unknown).toMatchObject({ kind: 'error', error: { code: 'not_found' } });
    await second.close();
  }, 120_000);
});
