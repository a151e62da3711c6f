import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const REGISTER_TS = join(ROOT, 'test', 'support', 'register-ts.js');
const MAIN_TS = join(ROOT, 'apps', 'ledger', 'src', 'main.ts');

/** `node … main.ts`, from the sources (like the reliability suite's servers). */
export const LEDGER_COMMAND = ['node', '--require', REGISTER_TS, MAIN_TS];

export interface LedgerProcess {
  readonly child: ChildProcess;
  /** Everything printed so far (stdout, then stderr, as they arrived; on a pty both are one stream). */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the output once it matches, or rejects when the process ends first. */
  waitFor(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly env: Readonly<Record<string, string>>;
  /** Run inside a pseudo-terminal (util-linux `script`): stdout and stderr are then a TTY. */
  readonly terminal?: boolean;
}

/** Spawns a ledger server process from the sources, capturing what it prints. */
export function startLedger(options: StartOptions): LedgerProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...options.env };
  delete env.NO_COLOR;
  const child = options.terminal
    ? spawn('script', ['-qfec', LEDGER_COMMAND.map(quote).join(' '), '/dev/null'], {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      })
    : spawn(LEDGER_COMMAND[0], LEDGER_COMMAND.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let all = '';
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    all += chunk.toString('utf8');
    notify();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
    all += chunk.toString('utf8');
    notify();
  });
  let ended = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      ended = true;
      notify();
      resolve(code);
    }),
  );
  return {
    child,
    output: () => all,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(all)) {
            listeners.delete(check);
            resolve(all);
          } else if (ended) {
            listeners.delete(check);
            reject(new Error(`the ledger ended before printing ${pattern}:\n${all}`));
          }
        };
        listeners.add(check);
        check();
      }),
    stop: async () => {
      if (!ended) child.kill('SIGTERM');
      await exited;
    },
  };
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A port the kernel just handed out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Holds a port (so a ledger started on it fails with EADDRINUSE) until closed. */
export async function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
