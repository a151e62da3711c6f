import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServerProcess, type RunningServer } from './server-process';

/** The keys the bench server accepts: one service key drives every scenario. */
export const BENCH_SERVICE_KEY = 'bench-service-key';

/** The embedded SQLite store, the system clock and the shipped rate card, whatever this shell has set. */
const INHERITED_SETTINGS_TO_DROP = [
  'EVENTSTORE_CONNECTION_STRING',
  'LEDGER_CLOCK',
  'LEDGER_CLOCK_START',
  'LEDGER_RATE_CARD',
];

export type RunningLedger = RunningServer;

/**
 * The real server as operators run it (`node dist/apps/ledger/src/main.js`), in its own process so
 * the load generator and the ledger never share an event loop. Data goes to a fresh temp dir.
 */
export async function startLedgerServer(root: string): Promise<RunningLedger> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-http-bench-'));
  const env = { ...process.env };
  for (const name of INHERITED_SETTINGS_TO_DROP) delete env[name];
  return startServerProcess(
    compiledOrSource(root, path.join('apps', 'ledger', 'src', 'main')),
    {
      ...env,
      LEDGER_DATA_DIR: dataDir,
      LEDGER_API_KEYS: `service:${BENCH_SERVICE_KEY},admin:bench-admin-key`,
      LOG_LEVEL: 'warn',
    },
    root,
    () => fs.rmSync(dataDir, { recursive: true, force: true }),
  );
}

/**
 * The arguments that run `<root>/<entry>`: its compiled .js beside this compiled file (dist/ or
 * .tmp/bench-dist/); from sources (`node --require ./test/support/register-ts.js bench/run.ts`) the
 * .ts through the same hook.
 */
export function compiledOrSource(root: string, entry: string): string[] {
  const compiled = path.join(__dirname, '..', '..', `${entry}.js`);
  if (__filename.endsWith('.js') && fs.existsSync(compiled)) return [compiled];
  return ['--require', path.join(root, 'test', 'support', 'register-ts.js'), path.join(root, `${entry}.ts`)];
}
