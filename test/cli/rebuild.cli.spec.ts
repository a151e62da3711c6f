import Database from 'better-sqlite3';
import * as path from 'node:path';
import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { copyOfLedger, launchWeekLedger, ledger, removeLedger } from './support/launch-ledger';

describe('ledger rebuild', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await launchWeekLedger();
    await ledger(dataDir, ['verify']);
  });
  afterAll(() => removeLedger(dataDir));

  it('drops every read model and replays the log into them; verify then agrees', async () => {
    const copy = copyOfLedger(dataDir);
    try {
      const run = await ledger(copy, ['rebuild']);
      expect(run.code).toBe(ExitCode.ok);
      expect(run.stdout).toMatch(
        /^Rebuilt allowance-windows, credit-balances, journal, timeline, holds, notifications, organizations, webhooks from the log: 38 events in [\d.]+ s; read models at position 38\.\n$/,
      );
      expect(run.stderr).toMatch(/rebuild: 100%/);
      expect((await ledger(copy, ['verify'])).code).toBe(ExitCode.ok);
    } finally {
      removeLedger(copy);
    }
  });

  it('rebuilds only the named projection, repairing a damaged one', async () => {
    const copy = copyOfLedger(dataDir);
    try {
      const db = new Database(path.join(copy, 'read-models.sqlite'));
      db.prepare('DELETE FROM timeline_events').run();
      db.close();
      expect((await ledger(copy, ['verify'])).code).toBe(ExitCode.mismatch);
      const run = await ledger(copy, ['rebuild', 'timeline']);
      expect(run.code).toBe(ExitCode.ok);
      expect(run.stdout).toMatch(/^Rebuilt timeline from the log: 38 events/);
      expect((await ledger(copy, ['verify'])).code).toBe(ExitCode.ok);
      expect((await ledger(copy, ['timeline', 'alice'])).stdout).toContain('10 events.');
    } finally {
      removeLedger(copy);
    }
  });

  it('exits 2 for an unknown projection, naming the ones there are', async () => {
    const run = await ledger(dataDir, ['rebuild', 'balances']);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain(
      'unknown projection "balances": choose from allowance-windows, credit-balances, journal, timeline, holds, notifications, organizations, webhooks',
    );
  });
});

describe('ledger rebuild while another process applies the read models', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await launchWeekLedger();
    await ledger(dataDir, ['verify']);
  });
  afterAll(() => removeLedger(dataDir));

  it('refuses with exit 5 and drops nothing', async () => {
    const other = new Database(path.join(dataDir, 'read-models.sqlite'));
    // What a server's runner does: move the checkpoints while the CLI watches them.
    const moving = setInterval(() => {
      other.prepare('UPDATE projection_checkpoints SET position = position + 1').run();
    }, 50);
    try {
      const run = await ledger(dataDir, ['rebuild']);
      expect(run.code).toBe(ExitCode.busy);
      expect(run.stderr).toContain('another process (a running ledger server?) is applying events');
    } finally {
      clearInterval(moving);
    }
    expect(other.prepare('SELECT COUNT(*) FROM timeline_events').pluck().get()).toBe(37);
    other.close();
  });
});
