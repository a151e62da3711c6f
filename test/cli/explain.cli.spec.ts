import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { launchWeekLedger, ledger, removeLedger } from './support/launch-ledger';

describe('ledger explain', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await launchWeekLedger();
  });
  afterAll(() => removeLedger(dataDir));

  it('explains a usage paid with credits: prices, windows before and after, the grant that paid', async () => {
    const run = await ledger(dataDir, ['explain', 'alice', 'alice-u6']);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toContain('Usage alice-u6 of alice (plan plus): ACCEPTED');
    expect(run.stdout).toMatch(/request\s+chatgpt_excel workbook_analysis × 2 = 8 allowance units/);
    expect(run.stdout).toMatch(/rate card\s+2026-11-01: 4 units or 8 credits per workbook_analysis/);
    expect(run.stdout).toMatch(
      /overage\s+8 units past the allowance: 2 × 8 = 16 credits \(16 credits charged\)/,
    );
    expect(run.stdout).toMatch(/balance\s+60 → 44 credits/);
    expect(run.stdout).toMatch(/chatgpt_excel weekly\s+200\/200 → 200\/200\s+resets 2026-11-10 10:00/);
    expect(run.stdout).toMatch(/alice-credits-1\s+16 of 100 — purchase \(USD 40.00\)/);
  });

  it('explains a usage covered by the allowance, the windows moving by its units', async () => {
    const run = await ledger(dataDir, ['explain', 'carol', 'carol-u3']);
    expect(run.stdout).toMatch(/overage\s+none: the allowance covered it all/);
    expect(run.stdout).toMatch(/codex 5h\s+0\/150 → 1\/150/);
    expect(run.stdout).toMatch(/codex weekly\s+150\/1500 → 151\/1500/);
  });

  it('explains a rejection and when it could have passed', async () => {
    const run = await ledger(dataDir, ['explain', 'bob', 'bob-u11']);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toContain('Usage bob-u11 of bob (plan pro): REJECTED');
    expect(run.stdout).toContain('Rejected (insufficient_credits)');
    expect(run.stdout).toMatch(/codex weekly\s+9000\/9000 → 9000\/9000\s+resets 2026-11-09 09:05/);
    expect(run.stdout).toContain('- from 2026-11-09 09:05 UTC, when the allowance covers it again');
    expect(run.stdout).toContain('- at once with 25 credits usable for codex ("Add credits")');
  });

  it('says buying credits would not help when the plan may not use them', async () => {
    const run = await ledger(dataDir, ['explain', 'erin', 'erin-u2']);
    expect(run.stdout).toContain(
      'plan free may not pay codex overage with credits (buying credits would not help)',
    );
    expect(run.stdout).not.toContain('Add credits');
  });

  it('--json gives the explanation as data', async () => {
    const run = await ledger(dataDir, ['explain', 'alice', 'alice-u3', '--json']);
    const body = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(body).toMatchObject({
      outcome: 'accepted',
      creditsCharged: '25',
      balanceBefore: '100',
      balanceAfter: '75',
      paidBy: [{ grantId: 'alice-credits-1', kind: 'purchase', drawn: '25' }],
      rateCard: { version: '2026-11-01', unitsPerQuantity: 5, creditsPerQuantity: '25', today: null },
      rejection: null,
    });
  });

  it('exits 3 for an unknown usage or account', async () => {
    const usage = await ledger(dataDir, ['explain', 'alice', 'bob-u1']);
    expect(usage.code).toBe(ExitCode.notFound);
    expect(usage.stderr).toBe('ledger: account "alice" has no usage "bob-u1"\n');
    const account = await ledger(dataDir, ['explain', 'mallory', 'u-1']);
    expect(account.code).toBe(ExitCode.notFound);
  });

  it('exits 2 without a usage id', async () => {
    const run = await ledger(dataDir, ['explain', 'alice']);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain('explain takes 2 arguments, got 1');
  });
});
