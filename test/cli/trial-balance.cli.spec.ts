import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { launchWeekLedger, ledger, removeLedger } from './support/launch-ledger';

describe('ledger trial-balance', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await launchWeekLedger();
  });
  afterAll(() => removeLedger(dataDir));

  it('lists the ledger accounts and a zero total', async () => {
    const run = await ledger(dataDir, ['trial-balance']);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toContain('Trial balance (journal position 38)');
    expect(run.stdout).toMatch(/consumed\s+116 {2}debit/);
    expect(run.stdout).toMatch(/deferred_revenue\s+-300 {2}credit/);
    expect(run.stdout).toMatch(/expired\s+10 {2}debit/);
    expect(run.stdout).toMatch(/promotional\s+-20 {2}credit/);
    expect(run.stdout).toMatch(/refunded\s+175 {2}debit/);
    expect(run.stdout).toMatch(/customer credits \(3 accounts\)\s+19 {2}debit/);
    expect(run.stdout).toMatch(/total\s+0\n/);
    expect(run.stdout).toContain('Balanced: debits equal credits.');
  });

  it('--as-of sums the journal up to that instant', async () => {
    const run = await ledger(dataDir, ['trial-balance', '--as-of', '2026-11-02T09:31:00Z', '--json']);
    expect(run.code).toBe(ExitCode.ok);
    const body = JSON.parse(run.stdout) as {
      ledgerAccounts: Record<string, string>;
      total: string;
      asOf: string;
    };
    expect(body.asOf).toBe('2026-11-02T09:31:00.000Z');
    expect(body.total).toBe('0');
    // Alice's purchase at 09:31 is in; her first credit usage at 09:32 is not.
    expect(body.ledgerAccounts).toEqual({
      'customer:alice:credits': '100',
      'customer:carol:credits': '20',
      deferred_revenue: '-100',
      promotional: '-20',
    });
  });

  it('exits 2 for a bad --as-of', async () => {
    const run = await ledger(dataDir, ['trial-balance', '--as-of', '31/10/2026']);
    expect(run.code).toBe(ExitCode.usage);
  });
});
