import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExitCode } from '../../apps/ledger-cli/src/exit-codes';
import { freePort, startLedger } from '../startup/support/ledger-process';
import { ledger, removeLedger } from './support/launch-ledger';

/** Issue 15: `ledger rebuild` next to a running server on the same data dir is refused, naming the server. */
describe('ledger rebuild next to a running server', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-rebuild-lock-'));
  });
  afterEach(() => removeLedger(dataDir));

  it('refuses while two servers run on the data dir, and rebuilds once they are stopped', async () => {
    const env = { LEDGER_DATA_DIR: dataDir, LEDGER_API_KEYS: 'service:svc-key-1' };
    const servers = [
      startLedger({ env: { ...env, PORT: String(await freePort()) } }),
      startLedger({ env: { ...env, PORT: String(await freePort()) } }),
    ];
    try {
      await Promise.all(servers.map((server) => server.waitFor(/listening on/)));
      const pids = servers.map((server) => server.child.pid).sort((a, b) => (a ?? 0) - (b ?? 0));
      const refused = await ledger(dataDir, ['rebuild']);
      expect(refused.code).toBe(ExitCode.busy);
      expect(refused.stderr).toBe(
        `ledger: a ledger server is running on ${dataDir} (pid ${pids.join(', ')}): stop it first\n`,
      );
      expect(refused.stdout).toBe('');
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }
    expect(servers.map((server) => server.stderr())).toEqual(['', '']);
    const rebuilt = await ledger(dataDir, ['rebuild']);
    expect(rebuilt.stderr).not.toContain('server is running');
    expect(rebuilt.code).toBe(ExitCode.ok);
  });

  it('ignores the mark of a server that died without removing it (a pid not running)', async () => {
    const port = await freePort();
    const server = startLedger({
      env: { LEDGER_DATA_DIR: dataDir, LEDGER_API_KEYS: 'service:svc-key-1', PORT: String(port) },
    });
    await server.waitFor(/listening on/);
    server.child.kill('SIGKILL');
    await server.exited;
    expect(fs.readdirSync(path.join(dataDir, 'servers'))).toEqual([
      expect.stringMatching(new RegExp(`-${server.child.pid}-[0-9a-f]{8}$`)),
    ]);
    const rebuilt = await ledger(dataDir, ['rebuild']);
    expect(rebuilt.code).toBe(ExitCode.ok);
    expect(fs.readdirSync(path.join(dataDir, 'servers'))).toEqual([]);
  });
});
