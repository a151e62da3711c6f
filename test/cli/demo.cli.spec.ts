import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** `npm run demo` as package.json runs it: the launch week through the HTTP API, then the CLI. */
describe('npm run demo', () => {
  it('plays the launch week through the real server and ends with a clean finance verification', async () => {
    const script = (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts.demo;
    const [, ...args] = script.split(' ');
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(process.execPath, args, { cwd: ROOT, timeout: 60_000 }, (error, out) =>
        resolve({ code: error === null ? 0 : Number(error.code ?? -1), stdout: out }),
      );
    });
    expect(code).toBe(0);
    expect(stdout).toContain('alice (plus)   codex cloud_task ×1 [alice-u2]');
    expect(stdout).toContain('✗ 402 insufficient_credits: needs 25 credits');
    expect(stdout).toContain('buys 100 credits for USD 40.00');
    expect(stdout).toContain('✓ 16 credits (16 from alice-credits-1)');
    expect(stdout).toContain('refunds dave-credits-1                   175 unused credits, USD 70.00 back');
    expect(stdout).toContain('== $ ledger timeline alice');
    // The holds chapter (issue 17): every answer shows what open holds set aside.
    expect(stdout).toMatch(
      /starts a long cloud task \[frank-task-1\] +✓ holds 45\.2 credits until Sun 11-08 11:01/,
    );
    expect(stdout).toContain('200,000 in + 400,000 cached + 20,000 out tokens · balance 4.8 · held 45.2');
    expect(stdout).toMatch(
      /starts another task \[frank-task-2\] +✗ 402 insufficient_credits: needs 7\.5 credits\n +60,000 in \+ 4,000 out tokens · balance 4\.8 · held 45\.2/,
    );
    expect(stdout).toMatch(/settles frank-task-1 \[frank-u-task-1\] +✓ 32\.69 credits, 12\.51 released/);
    expect(stdout).toContain('150,000 in + 380,000 cached + 12,000 out tokens · balance 17.31 · held 0');
    expect(stdout).toMatch(/looks at hold frank-task-1 +status settled, usage frank-u-task-1/);
    expect(stdout).toMatch(/starts it again \[frank-task-3\] +✓ holds 10\.5 credits/);
    expect(stdout).toMatch(/settles frank-task-3 \[frank-u-task-3\] +✓ 4\.5 credits, 6 released/);
    expect(stdout).toMatch(/reverses frank-u-task-3 +↺ 4\.5 credits back \(4\.5 to frank-credits-1\)/);
    expect(stdout).toMatch(/looks at frank's account\n +balance 17\.31 · held 0\n/);
    // The alerts chapter (issue 19): a signed alert at a local receiver, an auto top-up fulfilled.
    expect(stdout).toMatch(
      /← window\.threshold for judy +codex 5h at 83% \(≥ 80%\)[^\n]*\n +Ledger-Signature ✓ \(t Tue 11-10 10:15\)/,
    );
    expect(stdout).toMatch(/← window\.threshold for judy +codex 5h at 100% \(≥ 100%\)/);
    expect(stdout).toMatch(/← topup\.requested for judy +85 credits \[(topup-\w+)\]/);
    expect(stdout).toMatch(/charges the card: 85 credits, USD 34\.00 +\[topup-\w+\]/);
    expect(stdout).toMatch(/looks at judy's account +balance 100\n/);
    // …and the CLI's timeline of it, from the read side.
    expect(stdout).toContain('== $ ledger timeline frank');
    expect(stdout).toMatch(/HoldPlaced\s+\[-45\.2\]\s+4\.8/);
    expect(stdout).toContain(
      'hold [frank-task-2] codex gpt-5.5:input_tokens ×60000, gpt-5.5:output_tokens ×4000 refused: insufficient_credits',
    );
    expect(stdout).toMatch(/HoldSettled\s+\+12\.51\s+17\.31/);
    expect(stdout).toContain(
      'spent 32.69 credits (frank-credits-1 32.69) from the hold; released 12.51 credits back to frank-credits-1 12.51',
    );
    expect(stdout).toMatch(/UsageReversed\s+\+4\.5\s+17\.31/);
    expect(stdout).toContain('== $ ledger explain frank frank-u-task-3');
    expect(stdout).toContain(
      'Usage frank-u-task-3 of frank (plan plus): SETTLED from hold frank-task-3, then REVERSED',
    );
    // The organisation chapter (issue 18): a pool its members spend within their limits.
    expect(stdout).toMatch(
      /grace +codex 20,000 output tokens \[grace-org-u1\] ✓ 15 credits \(15 from acme-credits-1\)/,
    );
    expect(stdout).toMatch(
      /ivan +codex 4,000 output tokens \[ivan-org-u2\] +✗ 402 member_limit_reached: needs 3 credits \(default limit 10\)/,
    );
    expect(stdout).toMatch(/approves ivan-request-1 +approved/);
    expect(stdout).toMatch(
      /ivan +codex 4,000 output tokens \[ivan-org-u3\] +✓ 3 credits \(3 from acme-credits-1\)\n +open to ivan: 13 credits/,
    );
    expect(stdout).toMatch(/pool balance 73 · held 0\n +grace +eng +spent 15 · limit 30 \(group\), 15 left/);
    expect(stdout).toMatch(/ivan +- +spent 12 · limit 25 \(member\), 13 left/);
    expect(stdout).toContain('== $ ledger org acme');
    expect(stdout).toContain('paid by the pool of acme: acme-credits-1 3');
    expect(stdout).toContain('OK: the live read models are exactly what the log says.');
    expect(stdout).toContain('Balanced: debits equal credits.');
    const dataDir = /LEDGER_DATA_DIR=(\S+)/.exec(stdout)?.[1];
    if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
