import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { removeDir, startTestLedger } from '../support/ledger-app';
import { ledger } from './support/launch-ledger';

/** SPEC §10: `ledger export --format csv` neutralises formula-like text cells, as the HTTP export does. */
describe('ledger export --format csv: spreadsheet formulas', () => {
  let dataDir: string;

  beforeAll(async () => {
    const server = await startTestLedger();
    dataDir = server.dataDir;
    await server.as('service').post('/v1/accounts', { accountId: '-A1', plan: 'plus' }).expect(201);
    await server
      .as('admin')
      .post('/v1/accounts/-A1/credits/grants', { grantId: 'g-1', credits: '2.5', reason: '=HYPERLINK("x")' })
      .expect(201);
    await server.close();
  });
  afterAll(() => removeDir(dataDir));

  it('writes text cells that would start a formula with a leading quote, numbers as numbers', async () => {
    const run = await ledger(dataDir, ['export', '--format', 'csv']);
    expect(run.code).toBe(ExitCode.ok);
    const grantLines = run.stdout.split('\n').filter((line) => line.includes('g-1'));
    expect(grantLines.length).toBeGreaterThan(0);
    for (const line of grantLines) {
      expect(line).toContain(`"'=HYPERLINK(""x"")"`);
      expect(line).toContain(",'-A1,"); // an account id starting with '-' is text, not a cell reference
      expect(line).not.toMatch(/,=|,"=/);
    }
    expect(grantLines.some((line) => /,-2\.5,/.test(line))).toBe(true);
  });
});
