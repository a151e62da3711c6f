import Database from 'better-sqlite3';
import * as path from 'node:path';
import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { copyOfLedger, launchWeekLedger, ledger, removeLedger } from './support/launch-ledger';

describe('ledger verify', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await launchWeekLedger();
  });
  afterAll(() => removeLedger(dataDir));

  it('replays the whole log, finds the live read models identical and exits 0', async () => {
    const run = await ledger(dataDir, ['verify']);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toMatch(/^Replayed 38 events from the log into fresh read models/);
    expect(run.stdout).toContain('compared them row by row with the live ones at position 38');
    expect(run.stdout).toMatch(
      /journal\s+\d+ rows in journal_entries, journal_postings, ledger_balances: identical/,
    );
    expect(run.stdout).toContain('trial balance: 8 ledger accounts, total 0');
    expect(run.stdout).toContain('OK: the live read models are exactly what the log says.');
    // Not a terminal: plain progress lines on stderr, ending at 100%.
    expect(run.stderr).toMatch(/verify: 100% {2}38 events {2}[\d,]+\/s {2}ETA 0s\n$/);
  });

  it('prints every mismatch and exits 1 when a live read model was changed behind the log', async () => {
    const copy = copyOfLedger(dataDir);
    try {
      await ledger(copy, ['verify']);
      const db = new Database(path.join(copy, 'read-models.sqlite'));
      db.prepare(
        "UPDATE cb_grants SET remaining = remaining + 1000000 WHERE grant_id = 'alice-credits-1'",
      ).run();
      db.prepare('DELETE FROM timeline_events WHERE position = 9').run();
      db.close();
      const run = await ledger(copy, ['verify']);
      expect(run.code).toBe(ExitCode.mismatch);
      expect(run.stdout).toMatch(/credit-balances\s+\d+ rows in cb_accounts, cb_grants: 1 mismatch/);
      expect(run.stdout).toContain('✗ credit-balances / cb_grants');
      expect(run.stdout).toMatch(/live: {5}remaining="20000000"\n\s+replayed: remaining="19000000"/);
      expect(run.stdout).toContain(
        '✗ timeline / timeline_events [position=9]: missing from the live read models',
      );
      expect(run.stdout).toContain('MISMATCH: 2 row(s) differ from the replay of the log.');
      const json = await ledger(copy, ['verify', '--json']);
      expect(json.code).toBe(ExitCode.mismatch);
      expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, eventsReplayed: 38, position: '38' });
    } finally {
      removeLedger(copy);
    }
  });

  it('exits 2 for a bad option', async () => {
    const run = await ledger(dataDir, ['verify', '--max-mismatches', 'lots']);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain('--max-mismatches must be a positive integer');
  });
});
