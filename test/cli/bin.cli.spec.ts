import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { launchWeekLedger, removeLedger } from './support/launch-ledger';

const BIN = path.join(__dirname, '..', '..', 'bin', 'ledger.js');

interface ProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npx ledger …` as a user runs it: a separate process, its real exit code. */
function ledgerProcess(argv: readonly string[], env: Record<string, string>): Promise<ProcessRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...argv],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('bin/ledger.js', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await launchWeekLedger();
  });
  afterAll(() => removeLedger(dataDir));

  it('prints the timeline from a separate process and exits 0', async () => {
    const run = await ledgerProcess(['timeline', 'dave'], { LEDGER_DATA_DIR: dataDir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toContain('Timeline of dave');
    expect(run.stdout).toContain('PurchaseRefunded');
  });

  it('prints the usage with exit 0 for help, and exit 2 for an unknown command', async () => {
    const help = await ledgerProcess(['--help'], {});
    expect(help.code).toBe(ExitCode.ok);
    expect(help.stdout).toMatch(/^Usage: ledger <command> \[options\]/);
    const unknown = await ledgerProcess(['balance'], {});
    expect(unknown.code).toBe(ExitCode.usage);
    expect(unknown.stderr).toContain('ledger: unknown command "balance"');
  });

  it('exits 4 when there is no event log at the data dir, and creates nothing there', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-empty-'));
    try {
      const run = await ledgerProcess(['verify'], { LEDGER_DATA_DIR: empty });
      expect(run.code).toBe(ExitCode.storeUnreachable);
      expect(run.stderr).toContain(`no event log at ${path.join(empty, 'events.sqlite')}`);
      expect(fs.readdirSync(empty)).toEqual([]);
    } finally {
      removeLedger(empty);
    }
  });

  it('exits 4 when EventStoreDB does not answer', async () => {
    const run = await ledgerProcess(['trial-balance'], {
      LEDGER_DATA_DIR: dataDir,
      EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:1?tls=false',
    });
    expect(run.code).toBe(ExitCode.storeUnreachable);
    expect(run.stderr).toContain('ledger: the event store at esdb://127.0.0.1:1?tls=false is unreachable');
  });

  it('exits 2 for a bad configuration', async () => {
    const run = await ledgerProcess(['trial-balance'], { LEDGER_DATA_DIR: dataDir, LEDGER_CLOCK: 'sundial' });
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toBe('ledger: LEDGER_CLOCK: must be "system" or "simulated", got "sundial"\n');
  });
});
