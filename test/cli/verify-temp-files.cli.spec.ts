import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { copyOfLedger, launchWeekLedger, ledger, removeLedger } from './support/launch-ledger';

/** The temp dir verify sees: one of this test's own, so helpers running beside it cannot fill it. */
const mockTemp = { dir: '' };
jest.mock('node:os', () => {
  const actual = jest.requireActual<typeof import('node:os')>('node:os');
  return { ...actual, tmpdir: () => mockTemp.dir || actual.tmpdir() };
});

/**
 * `verify` replays the log into a temporary SQLite file: whatever the run's end (identical, mismatches,
 * a failure mid-way), nothing of it stays in the temp dir.
 */
describe('ledger verify leaves no temporary files', () => {
  let dataDir: string;
  let tmp: string;
  /** What verify made in the temp dir (the copies of the ledger below are the test's own). */
  const verifyLeftovers = () => fs.readdirSync(tmp).filter((name) => !name.startsWith('ledger-cli-copy-'));

  beforeAll(async () => {
    dataDir = await launchWeekLedger();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-tmp-'));
    mockTemp.dir = tmp;
  });
  afterAll(() => {
    mockTemp.dir = '';
    removeLedger(dataDir);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('after a passing run', async () => {
    expect(os.tmpdir()).toBe(tmp);
    const run = await ledger(dataDir, ['verify']);
    expect(run.code).toBe(ExitCode.ok);
    expect(verifyLeftovers()).toEqual([]);
  });

  it('after a run that finds mismatches', async () => {
    const copy = copyOfLedger(dataDir);
    try {
      await ledger(copy, ['verify']);
      const db = new Database(path.join(copy, 'read-models.sqlite'));
      db.prepare('DELETE FROM timeline_events WHERE position = 9').run();
      db.close();
      const run = await ledger(copy, ['verify']);
      expect(run.code).toBe(ExitCode.mismatch);
      expect(verifyLeftovers()).toEqual([]);
    } finally {
      removeLedger(copy);
    }
  });

  it('after a run that fails mid-way', async () => {
    const copy = copyOfLedger(dataDir);
    try {
      await ledger(copy, ['verify']);
      // A live read model whose table is gone: the comparison fails after the replay file was made.
      const db = new Database(path.join(copy, 'read-models.sqlite'));
      db.prepare('DROP TABLE timeline_events').run();
      db.close();
      const run = await ledger(copy, ['verify']);
      expect(run.code).not.toBe(ExitCode.ok);
      expect(verifyLeftovers()).toEqual([]);
    } finally {
      removeLedger(copy);
    }
  });
});
