import { SqliteEventStore } from '@ledger/event-store/sqlite';
import * as path from 'node:path';
import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { appendPoisonPurchase } from '../projections/support/poison-events';
import { launchWeekLedger, ledger, removeLedger } from './support/launch-ledger';

/** SPEC §10: a stream quarantined in a read model is never reported as "verified" or "rebuilt" by the CLI. */
describe('ledger verify / rebuild with a poison event in the log', () => {
  let dataDir: string;
  let poison: bigint;
  beforeAll(async () => {
    dataDir = await launchWeekLedger();
    const log = new SqliteEventStore({ path: path.join(dataDir, 'events.sqlite') });
    try {
      poison = await appendPoisonPurchase(log, 'alice');
    } finally {
      await log.close();
    }
  });
  afterAll(() => removeLedger(dataDir));

  it('verify catches up past it, reports the quarantined stream and exits 1', async () => {
    const run = await ledger(dataDir, ['verify']);
    expect(run.code).toBe(ExitCode.mismatch);
    expect(run.stdout).toMatch(
      new RegExp(`✗ [a-z-]+: stream "account-alice" quarantined at position ${poison} since .*010000`),
    );
    expect(run.stdout).toContain('QUARANTINED:');
  });

  it('rebuild with the poison still there exits 1 naming projection, stream, position and reason', async () => {
    const run = await ledger(dataDir, ['rebuild']);
    expect(run.code).toBe(ExitCode.mismatch);
    expect(run.stderr).toMatch(
      new RegExp(`[a-z-]+ quarantined stream "account-alice" at position ${poison}: .*010000`),
    );
    expect(run.stderr).toContain('ledger rebuild');
  });
});
