import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { join } from 'node:path';
import { apiKeysEnv, LedgerHttpClient } from './http-client';

const ROOT = join(__dirname, '..', '..', '..');
const REGISTER_TS = join(ROOT, 'test', 'support', 'register-ts.js');
const MAIN_TS = join(ROOT, 'apps', 'ledger', 'src', 'main.ts');

/** How long a server may take to answer /health after spawn (transpiling on a cold cache is the slow part). */
const START_DEADLINE_MS = 60_000;
const STOP_DEADLINE_MS = 15_000;

/**
 * The server the tests run: the built one when RELIABILITY_SERVER_ENTRY names a dist main.js
 * (what a deploy runs), otherwise the sources through the test require hook (no build step in
 * `npm test`, and always the code of the working tree).
 */
function serverArgs(): string[] {
  const entry = process.env.RELIABILITY_SERVER_ENTRY;
  return entry ? [entry] : ['--require', REGISTER_TS, MAIN_TS];
}

/** A port the kernel just handed out; the tiny window before the server binds it is acceptable on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly env?: Readonly<Record<string, string>>;
}

/** A ledger server as a child process: started, polled until healthy, killed -9 or stopped. */
export class LedgerServer {
  private http: LedgerHttpClient;
  private currentPort: number;
  private child?: ChildProcess;
  private exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';

  constructor(readonly options: ServerOptions) {
    this.currentPort = options.port;
    this.http = new LedgerHttpClient(options.port);
  }

  get client(): LedgerHttpClient {
    return this.http;
  }

  get port(): number {
    return this.currentPort;
  }

  /** True once the process has ended (killed by a test, stopped, or died on its own). */
  get dead(): boolean {
    return this.child !== undefined && (this.child.exitCode !== null || this.child.signalCode !== null);
  }

  /** What the process logged at level error or wrote on stderr (a crash's stack trace ends up here). */
  get errors(): string {
    return this.stderr;
  }

  /**
   * Spawns and waits until healthy. The port was free when picked, but another process on this
   * shared machine may take it first: then the server dies (EADDRINUSE) or a foreign server answers
   * /health, so up to 3 ports are tried.
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.spawnOnce();
        return;
      } catch (error) {
        if (attempt >= 3 || !/EADDRINUSE|not ours/.test(this.stderr + (error as Error).message)) throw error;
        await this.kill();
        this.http.close();
        this.currentPort = await freePort();
        this.http = new LedgerHttpClient(this.currentPort);
        this.stderr = '';
      }
    }
  }

  private async spawnOnce(): Promise<void> {
    const child = spawn(process.execPath, serverArgs(), {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(this.currentPort),
        HOST: '127.0.0.1',
        LEDGER_DATA_DIR: this.options.dataDir,
        LEDGER_API_KEYS: apiKeysEnv(),
        LOG_LEVEL: 'error',
        ...this.options.env,
      },
    });
    this.child = child;
    // LOG_LEVEL=error: whatever the server logs (stdout, pino) or prints (stderr) is an error.
    const keep = (chunk: string) => {
      // Bounded: a server that logs in a loop must not eat the test's memory.
      if (this.stderr.length < 100_000) this.stderr += chunk;
    };
    child.stdout?.setEncoding('utf8').on('data', keep);
    child.stderr?.setEncoding('utf8').on('data', keep);
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await this.waitHealthy();
  }

  /** Polls /health until it answers 200, the process dies, or the deadline passes. */
  private async waitHealthy(): Promise<void> {
    const deadline = Date.now() + START_DEADLINE_MS;
    let dead = false;
    void this.exited?.then(() => (dead = true));
    while (Date.now() < deadline && !dead) {
      try {
        const answer = await this.client.send({ method: 'GET', path: '/health', timeoutMs: 2_000 });
        if (answer.status === 200) return await this.checkOurs();
      } catch (error) {
        if (/not ours/.test((error as Error).message)) throw error;
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    this.child?.kill('SIGKILL');
    throw new Error(`server on port ${this.port} not healthy (exited: ${dead}); stderr:\n${this.stderr}`);
  }

  /** Our keys open our server's doors: a foreign server on this port answers 401. */
  private async checkOurs(): Promise<void> {
    const answer = await this.client.as('support')({ method: 'GET', path: '/v1/accounts/reliability-probe' });
    if (answer.status === 401) throw new Error(`port ${this.port}: the server answering is not ours`);
  }

  /** kill -9: no shutdown hook runs, nothing is flushed that was not already durable. */
  async kill(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait (bounded) for the graceful shutdown; SIGKILL if it hangs. */
  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), STOP_DEADLINE_MS);
    await this.exited;
    clearTimeout(timer);
    this.client.close();
  }
}
