import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLedger } from './support/ledger-process';

/**
 * Issue 15: a configuration the operator got wrong ends the start with exit 1 and one plain line on
 * stderr, `ledger: <VARIABLE or file>: <what is wrong>`: no stack, no colour codes.
 */
describe('a start with a bad configuration', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-config-'));
    fs.writeFileSync(path.join(dataDir, 'bad-card.json'), JSON.stringify({ version: '', products: 3 }));
    fs.writeFileSync(path.join(dataDir, 'not-json.json'), '{ "version": ');
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const cases: [string, Record<string, string>, RegExp][] = [
    ['PORT=abc', { PORT: 'abc' }, /^ledger: PORT: must be an integer, got "abc"$/],
    [
      'LEDGER_RATE_CARD naming a missing file',
      { LEDGER_RATE_CARD: '/nowhere/rate-card.json' },
      /^ledger: \/nowhere\/rate-card\.json: cannot read the rate card \(LEDGER_RATE_CARD\): no such file$/,
    ],
    [
      'a rate card that is refused',
      { LEDGER_RATE_CARD: 'bad-card.json' },
      /^ledger: \S*bad-card\.json: rate card refused: \$\.\S+: .+$/,
    ],
    [
      'a rate card that is not JSON',
      { LEDGER_RATE_CARD: 'not-json.json' },
      /^ledger: \S*not-json\.json: the rate card is not JSON: .+$/,
    ],
    [
      'EVENTSTORE_CONNECTION_STRING malformed',
      { EVENTSTORE_CONNECTION_STRING: 'esdb://localhost:2113?tls=maybe' },
      /^ledger: EVENTSTORE_CONNECTION_STRING: .*expected true or false\.$/,
    ],
    [
      'LEDGER_API_KEYS malformed',
      { LEDGER_API_KEYS: 'owner:s3cret' },
      /^ledger: LEDGER_API_KEYS: "owner" is not a role .+$/,
    ],
    [
      'LEDGER_CLOCK_START bad',
      { LEDGER_CLOCK: 'simulated', LEDGER_CLOCK_START: 'yesterday' },
      /^ledger: LEDGER_CLOCK_START: must be an ISO-8601 instant .+, got "yesterday"$/,
    ],
    [
      'LEDGER_DATA_DIR a file',
      { LEDGER_DATA_DIR: '/etc/hostname' },
      /^ledger: LEDGER_DATA_DIR: \/etc\/hostname is not a writable directory .+$/,
    ],
  ];

  it.each(cases)('%s: exit 1, one line naming it, no stack, no ANSI escapes', async (_, env, line) => {
    const ledger = startLedger({
      env: { LEDGER_DATA_DIR: path.join(dataDir, 'data'), PORT: '0', ...withPaths(env) },
    });
    expect(await ledger.exited).toBe(1);
    const stderr = ledger.stderr();
    expect(stderr.endsWith('\n')).toBe(true);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(line);
    expect(stderr).not.toContain(String.fromCharCode(27));
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('a key file in the data dir that is malformed is named by its path', async () => {
    const dir = path.join(dataDir, 'bad-keys');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'api-keys'), 'service:x\n', { mode: 0o600 });
    const ledger = startLedger({ env: { LEDGER_DATA_DIR: dir, PORT: '0' } });
    expect(await ledger.exited).toBe(1);
    expect(ledger.stderr()).toBe(
      `ledger: ${path.join(dir, 'api-keys')}: the key for role service is too short\n`,
    );
  });

  function withPaths(env: Record<string, string>): Record<string, string> {
    const card = env.LEDGER_RATE_CARD;
    if (card === undefined || card.startsWith('/')) return env;
    return { ...env, LEDGER_RATE_CARD: path.join(dataDir, card) };
  }
});
