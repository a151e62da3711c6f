import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { launchWeekLedger, ledger, removeLedger } from './support/launch-ledger';

interface Entry {
  readonly position: string;
  readonly recordedAt: string;
  readonly type: string;
  readonly postings: readonly { ledgerAccount: string; amount: string }[];
}

describe('ledger export', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await launchWeekLedger();
  });
  afterAll(() => removeLedger(dataDir));

  it('streams the whole journal as JSONL to stdout, with progress on stderr', async () => {
    const run = await ledger(dataDir, ['export']);
    expect(run.code).toBe(ExitCode.ok);
    const entries = run.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Entry);
    expect(entries.length).toBeGreaterThan(30);
    const positions = entries.map((e) => Number(e.position));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    for (const entry of entries) {
      const sum = entry.postings.reduce((total, p) => total + Number(p.amount), 0);
      expect(sum).toBe(0);
    }
    expect(run.stderr).toMatch(/export: 100%/);
    expect(run.stderr).toMatch(new RegExp(`exported ${entries.length} entries up to position 38\\n$`));
  });

  it('writes CSV to --out, one line per posting, limited to --from/--to', async () => {
    const out = path.join(dataDir, 'journal.csv');
    const run = await ledger(dataDir, [
      'export',
      '--format',
      'csv',
      '--from',
      '2026-11-04T00:00:00Z',
      '--to',
      '2026-11-04T12:00:00Z',
      '--out',
      out,
    ]);
    expect(run.code).toBe(ExitCode.ok);
    expect(run.stdout).toBe('');
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^entry_id,position,recorded_at,type,account_id,line,ledger_account,amount/);
    const times = lines.slice(1).map((line) => line.split(',')[2]);
    expect(times.length).toBeGreaterThan(0);
    for (const time of times) expect(time >= '2026-11-04T00:00' && time < '2026-11-04T12:00').toBe(true);
    expect(lines.some((line) => line.includes('CreditsExpired') && line.includes(',expired,10,'))).toBe(true);
    expect(run.stderr).toContain(`to ${out}`);
  });

  it('exits 2 for a bad format, a bad time or an empty range', async () => {
    const format = await ledger(dataDir, ['export', '--format', 'xml']);
    expect(format.code).toBe(ExitCode.usage);
    expect(format.stderr).toContain('--format must be csv or jsonl, got "xml"');
    const time = await ledger(dataDir, ['export', '--from', 'monday']);
    expect(time.code).toBe(ExitCode.usage);
    expect(time.stderr).toContain('--from "monday" is not a time');
    const range = await ledger(dataDir, [
      'export',
      '--from',
      '2026-11-05T00:00:00Z',
      '--to',
      '2026-11-04T00:00:00Z',
    ]);
    expect(range.code).toBe(ExitCode.usage);
    expect(range.stderr).toContain('--to must be after --from');
  });

  it('exits 2 when --out cannot be written', async () => {
    const run = await ledger(dataDir, ['export', '--out', path.join(dataDir, 'no-such-dir', 'x.jsonl')]);
    expect(run.code).toBe(ExitCode.usage);
    expect(run.stderr).toContain('cannot write');
  });
});
