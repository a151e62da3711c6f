import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../reliability/support/server-process';

// The README's command blocks run as written (issue 15): every ```sh block is either run here, in
// document order, in one shell against a ledger started with `npm start` on a fresh data dir, or
// carries `<!-- readme-test: skip: <why> -->` on the line before it. A block that cannot be pasted
// as is (output mixed in, a literal key, a fixed port) fails here.
const ROOT = path.join(__dirname, '..', '..');
const SKIP = /^<!-- readme-test: skip: (.+) -->$/;

interface ShellBlock {
  readonly line: number;
  readonly code: string;
  readonly skip?: string;
}

function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i].trim() !== '```sh') continue;
    const start = i;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i].trim() !== '```'; i += 1) body.push(lines[i]);
    const skip = SKIP.exec(lines[start - 1]?.trim() ?? '')?.[1];
    blocks.push({ line: start + 1, code: body.join('\n'), ...(skip ? { skip } : {}) });
  }
  return blocks;
}

describe('README command blocks', () => {
  const blocks = shellBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  let dir: string;
  let port: number;
  let server: ChildProcess | undefined;
  let serverOutput = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-readme-'));
    port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      LEDGER_DATA_DIR: path.join(dir, 'data'),
    };
    delete env.LEDGER_API_KEYS;
    delete env.EVENTSTORE_CONNECTION_STRING;
    // `npm start`, as the README's first block says (after `npm ci`, which CI has run).
    server = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    server.stdout?.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
    const deadline = Date.now() + 120_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || server.exitCode !== null)
        throw new Error(`npm start did not answer /health:\n${serverOutput}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 150_000);

  afterAll(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      process.kill(-server.pid, 'SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('has a reason for every block it does not run', () => {
    expect(blocks.length).toBeGreaterThan(4);
    for (const block of blocks.filter((b) => b.skip !== undefined))
      expect(block.skip?.length).toBeGreaterThan(10);
  });

  it('runs every other block as written, in order, in one shell', () => {
    const runnable = blocks.filter((b) => b.skip === undefined);
    const script = runnable.map((b) => `echo '::block ${b.line}::'\n${b.code}`).join('\n');
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: dir,
      env: { ...process.env, PORT: String(port) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const outputs = run.stdout.split(/^::block \d+::\n/m).slice(1);
    expect(outputs).toHaveLength(runnable.length);
    // What the README says each block answers.
    expect(run.stdout).toContain('"accountId":"acct-1","plan":"plus"');
    expect(run.stdout).toMatch(/"usageId":"u-1".*"outcome":"accepted".*"allowanceUnits":150/);
    expect(run.stdout).toMatch(/"usageId":"u-2".*"outcome":"rejected","reason":"insufficient_credits"/);
    expect(run.stdout).toContain('"purchaseId":"p-1","credits":"100"');
    expect(run.stdout).toMatch(
      /"usageId":"u-3".*"allocations":\[\{"grantId":"p-1","credits":"25"\}\].*"balance":"75"/,
    );
  }, 90_000);
});
