import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';

export const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface RunningServer {
  readonly url: string;
  /** The server's process id (for CPU accounting). */
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * A server (the ledger or a floor) in its own process, listening on a free port of 127.0.0.1 given
 * in `PORT`/`HOST`, healthy once `GET /health` answers 2xx. The same start, health check and stop
 * for every server the load generator measures, so their figures differ only by the server.
 */
export async function startServerProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  onStopped: () => void = () => undefined,
): Promise<RunningServer> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": profile the server under load.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const child = spawn(process.execPath, [...nodeArgs, ...args], {
    cwd,
    env: { ...env, PORT: String(port), HOST },
    // Anything the server prints goes to stderr: stdout carries only the `bench` lines.
    stdio: ['ignore', 2, 2],
  });
  const url = `http://${HOST}:${port}`;
  const stop = async () => {
    await stopChild(child);
    onStopped();
  };
  try {
    await waitUntilHealthy(url, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid ?? 0, stop };
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
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode} while starting`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet: poll again below.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server not healthy at ${url} after ${START_TIMEOUT_MS} ms`);
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
