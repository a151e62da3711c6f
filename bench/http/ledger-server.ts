import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** The keys the bench server accepts: one service key drives every scenario. */
export const BENCH_SERVICE_KEY = 'bench-service-key';

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** The embedded SQLite store, the system clock and the shipped rate card, whatever this shell has set. */
const INHERITED_SETTINGS_TO_DROP = [
  'EVENTSTORE_CONNECTION_STRING',
  'LEDGER_CLOCK',
  'LEDGER_CLOCK_START',
  'LEDGER_RATE_CARD',
];

export interface RunningLedger {
  readonly url: string;
  /** The server's process id (for CPU accounting). */
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * The real server as operators run it (`node dist/apps/ledger/src/main.js`), in its own process so
 * the load generator and the ledger never share an event loop. Data goes to a fresh temp dir.
 */
export async function startLedgerServer(root: string): Promise<RunningLedger> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-http-bench-'));
  const port = await freePort();
  const env = { ...process.env };
  for (const name of INHERITED_SETTINGS_TO_DROP) delete env[name];
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": profile the server under load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const child = spawn(process.execPath, [...nodeArgs, ...serverArgs(root)], {
    cwd: root,
    env: {
      ...env,
      PORT: String(port),
      HOST,
      LEDGER_DATA_DIR: dataDir,
      LEDGER_API_KEYS: `service:${BENCH_SERVICE_KEY},admin:bench-admin-key`,
      LOG_LEVEL: 'warn',
    },
    // Anything the server prints goes to stderr: stdout carries only the `bench` lines.
    stdio: ['ignore', 2, 2],
  });
  const url = `http://${HOST}:${port}`;
  const stop = async () => {
    await stopChild(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilHealthy(url, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid ?? 0, stop };
}

/**
 * The compiled entry point beside this compiled file (dist/ or .tmp/bench-dist/); from sources
 * (`node --require ./test/support/register-ts.js bench/run.ts`) the .ts entry through the same hook.
 */
function serverArgs(root: string): string[] {
  const compiled = path.join(__dirname, '..', '..', 'apps', 'ledger', 'src', 'main.js');
  if (__filename.endsWith('.js') && fs.existsSync(compiled)) return [compiled];
  return [
    '--require',
    path.join(root, 'test', 'support', 'register-ts.js'),
    path.join(root, 'apps', 'ledger', 'src', 'main.ts'),
  ];
}

/** Asks the OS for an unused port: a fixed one would clash with anything else on this machine. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

async function waitUntilHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ledger exited with code ${child.exitCode} while starting`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet: poll again below.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`ledger not healthy at ${url} after ${START_TIMEOUT_MS} ms`);
}

/** SIGTERM for a graceful drain; SIGKILL if it has not exited in time, so the bench always ends. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
