import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, occupyPort, startLedger, type LedgerProcess } from './support/ledger-process';

/**
 * Issue 15: generated keys are printed once, to a terminal only, after the port is bound; never in
 * a JSON log line; a start that dies before listening (EADDRINUSE) does not use up the one showing.
 */
describe('the keys generated on first start', () => {
  let dataDir: string;
  const running: LedgerProcess[] = [];

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-keys-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((ledger) => ledger.stop()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (port: number, terminal: boolean) => {
    const ledger = startLedger({ env: { LEDGER_DATA_DIR: dataDir, PORT: String(port) }, terminal });
    running.push(ledger);
    return ledger;
  };
  const storedKeys = () =>
    fs
      .readFileSync(path.join(dataDir, 'api-keys'), 'utf8')
      .split(/[,\n]/)
      .filter((entry) => entry.trim() !== '')
      .map((entry) => entry.split(':').slice(1).join(':'));
  const occurrences = (text: string, part: string) => text.split(part).length - 1;

  it('are not burnt by a start that fails with EADDRINUSE: the next start shows them once, after listening, outside any log line', async () => {
    const blocker = await occupyPort();
    const failed = start(blocker.port, true);
    expect(await failed.exited).toBe(1);
    await blocker.close();
    const keys = storedKeys();
    expect(keys).toHaveLength(4);
    expect(failed.output()).toMatch(/ledger: PORT: \d+ is already in use \(EADDRINUSE\)/);
    for (const key of keys) expect(failed.output()).not.toContain(key);

    const ledger = start(blocker.port, true);
    const output = await ledger.waitFor(new RegExp(`${keys[3]}[\\s\\S]*\\n\\s*\\n`));
    const listening = output.indexOf('listening on');
    expect(listening).toBeGreaterThan(-1);
    for (const key of keys) {
      expect(occurrences(output, key)).toBe(1);
      expect(output.indexOf(key)).toBeGreaterThan(listening);
    }
    const jsonLines = output.split(/\r?\n/).filter((line) => line.startsWith('{'));
    expect(jsonLines.length).toBeGreaterThan(0);
    for (const line of jsonLines) for (const key of keys) expect(line).not.toContain(key);
    await ledger.stop();

    const again = start(blocker.port, true);
    await again.waitFor(/listening on/);
    for (const key of keys) expect(again.output()).not.toContain(key);
  });

  it('are never printed without a terminal: one line on stderr points at the file, and a later start on a terminal shows them', async () => {
    const port = await freePort();
    const piped = start(port, false);
    await piped.waitFor(/listening on[\s\S]*no terminal to show them on/);
    const keys = storedKeys();
    for (const key of keys) expect(piped.output()).not.toContain(key);
    expect(piped.stderr()).toContain(`${path.join(dataDir, 'api-keys')}`);
    await piped.stop();

    const onTerminal = start(port, true);
    await onTerminal.waitFor(new RegExp(keys[3]));
    for (const key of keys) expect(occurrences(onTerminal.output(), key)).toBe(1);
  });
});
