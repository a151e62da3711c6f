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
    expect(stdout).toContain('OK: the live read models are exactly what the log says.');
    expect(stdout).toContain('Balanced: debits equal credits.');
    const dataDir = /LEDGER_DATA_DIR=(\S+)/.exec(stdout)?.[1];
    if (dataDir !== undefined) fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
