import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { launchWeekLedger, ledger, removeLedger } from './support/launch-ledger';

describe('ledger timeline', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await launchWeekLedger();
  });
  afterAll(() => removeLedger(dataDir));

  it('prints every event of the account with what it charged, the balance and the windows after it', async () => {
    const run = await ledger(dataDir, ['timeline', 'alice']);
    expect(run.code).toBe(ExitCode.ok);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Timeline of alice');
    expect(run.stdout).toMatch(/UsageRecorded\s+150 u\s+0\s+codex 5h 150\/150 · weekly 150\/1500/);
    expect(run.stdout).toContain(
      'refused: insufficient_credits, needs 25 credits, allowance back 2026-11-02 14:05',
    );
    expect(run.stdout).toMatch(/CreditsPurchased\s+\+100\s+100/);
    expect(run.stdout).toMatch(
      /UsageRecorded\s+-16\s+44\s+codex weekly 150\/1500; chatgpt_excel weekly 200\/200/,
    );
    expect(run.stdout).toContain('paid by alice-credits-1 16');
    // The operator's global reset shows where it happened, though it is not an account event.
    expect(run.stdout).toMatch(/LimitsReset\s+44\s+chatgpt_excel weekly 200\/200/);
    expect(run.stdout).toContain("operator reset every user's limits (codex)");
    expect(run.stdout).toContain('10 events.');
  });

  it('shows expiry and refunds as credit movements', async () => {
    const carol = await ledger(dataDir, ['timeline', 'carol']);
    expect(carol.stdout).toMatch(/CreditsExpired\s+-10\s+0/);
    const dave = await ledger(dataDir, ['timeline', 'dave']);
    expect(dave.stdout).toMatch(/PurchaseRefunded\s+-175\s+0/);
    expect(dave.stdout).toContain('refund of dave-credits-1: USD 70.00 back');
  });

  it('--as-of stops at that instant and prints the state then', async () => {
    const run = await ledger(dataDir, ['timeline', 'carol', '--as-of', '2026-11-03T12:00:00Z']);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toContain('Timeline of carol up to 2026-11-03 12:00 UTC');
    expect(run.stdout).not.toContain('CreditsExpired');
    expect(run.stdout).toContain('4 events.');
    expect(run.stdout).toMatch(/balance\s+10 credits/);
    expect(run.stdout).toMatch(/codex weekly\s+150\/1500 used, 1350 left, resets 2026-11-09 11:00/);
  });

  it('--as-of before the account existed says so', async () => {
    const run = await ledger(dataDir, ['timeline', 'bob', '--as-of', '2026-11-01T00:00:00Z']);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toContain('the account was not open yet');
  });

  it('--json gives the items with their state after, and the state as of', async () => {
    const run = await ledger(dataDir, ['timeline', 'alice', '--json', '--as-of', '2026-11-02T09:35:00Z']);
    const body = JSON.parse(run.stdout) as {
      items: { type: string; stateAfter: { balance: string } }[];
      stateAsOf: { balance: string };
    };
    expect(body.items.map((i) => i.type)).toEqual([
      'AccountOpened',
      'UsageRecorded',
      'UsageRejected',
      'CreditsPurchased',
      'UsageRecorded',
    ]);
    expect(body.items[4].stateAfter.balance).toBe('75');
    expect(body.stateAsOf.balance).toBe('75');
  });

  it('exits 3 for an unknown account and 2 for a bad time, with a clear message', async () => {
    const missing = await ledger(dataDir, ['timeline', 'mallory']);
    expect(missing.code).toBe(ExitCode.notFound);
    expect(missing.stderr).toBe('ledger: no account "mallory" in this ledger\n');
    expect(missing.stdout).toBe('');
    const badTime = await ledger(dataDir, ['timeline', 'alice', '--as-of', 'last tuesday']);
    expect(badTime.code).toBe(ExitCode.usage);
    expect(badTime.stderr).toContain('--as-of "last tuesday" is not a time');
    const noZone = await ledger(dataDir, ['timeline', 'alice', '--as-of', '2026-11-03T12:00:00']);
    expect(noZone.code).toBe(ExitCode.usage);
    const dateOnly = await ledger(dataDir, ['timeline', 'alice', '--as-of', '2026-11-03']);
    expect(dateOnly.code).toBe(ExitCode.usage);
    expect(dateOnly.stderr).toContain('e.g. 2026-11-03T00:00:00Z: a date alone is not an instant');
  });

  it('exits 2 when the account id is missing', async () => {
    const run = await ledger(dataDir, ['timeline']);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain('timeline takes 1 argument, got 0');
  });
});
