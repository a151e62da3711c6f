import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppendOutcome, AppendRequest } from './sqlite-append-writer';
import {
  errorOf,
  outcomeOf,
  type FromWriter,
  type ToWriter,
  type WriterThreadData,
} from './sqlite-writer-protocol';

interface PendingWrite {
  readonly resolve: (outcomes: AppendOutcome[]) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The group-commit writer on a thread of its own (sqlite-writer-worker.ts), with its own connection
 * to the file. The caller's thread keeps parsing requests and deciding commands while a batch is
 * committed and fsynced; the promise of a batch settles once its transaction is on disk, exactly as
 * the inline writer returns. A thread that dies (it should not) fails the batches it held — their
 * appends may or may not have committed, which a retry with the same ids settles as a replay — and
 * the next batch starts a fresh thread.
 */
export class SqliteWriterThread {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, PendingWrite>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly data: WriterThreadData) {}

  write(batch: readonly AppendRequest[]): Promise<AppendOutcome[]> {
    if (this.closed) return Promise.reject(new Error('sqlite writer thread is closed'));
    const id = this.nextId++;
    return this.started().then(
      (worker) =>
        new Promise<AppendOutcome[]>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          worker.postMessage({ kind: 'write', id, batch } satisfies ToWriter);
        }),
    );
  }

  /** Closes the thread's connection and ends the thread (after the batches already sent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    if (worker === undefined) return;
    const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    try {
      await this.ready;
      worker.postMessage({ kind: 'close' } satisfies ToWriter);
    } catch {
      await worker.terminate();
    }
    await ended;
  }

  private async started(): Promise<Worker> {
    if (this.worker === undefined) this.ready = this.spawn();
    await this.ready;
    if (this.worker === undefined) throw new Error('sqlite writer thread exited');
    return this.worker;
  }

  private spawn(): Promise<void> {
    const worker = startWorkerScript(__dirname, 'sqlite-writer-worker', this.data);
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromWriter) => {
        switch (message.kind) {
          case 'ready':
            resolve();
            return;
          case 'opening-failed':
            reject(errorOf(message.failure));
            return;
          case 'written':
            this.settle(message.id)?.resolve(message.outcomes.map(outcomeOf));
            return;
          case 'failed':
            this.settle(message.id)?.reject(errorOf(message.failure));
            return;
          case 'closed':
            return;
        }
      });
      worker.on('error', (error) => reject(error));
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        const error = new Error(`sqlite writer thread exited (code ${code}) before answering`);
        reject(error);
        for (const [id, waiting] of this.pending) {
          this.pending.delete(id);
          waiting.reject(error);
        }
      });
    });
  }

  private settle(id: number): PendingWrite | undefined {
    const waiting = this.pending.get(id);
    this.pending.delete(id);
    return waiting;
  }
}

/**
 * Starts the worker script `<dir>/<name>.js` (compiled), or from the sources `<name>.ts` through
 * the transpile-only hook the tests use.
 */
export function startWorkerScript(dir: string, name: string, workerData: unknown): Worker {
  const js = path.join(dir, `${name}.js`);
  if (fs.existsSync(js)) return new Worker(js, { workerData });
  const hook = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'support', 'register-ts.js');
  return new Worker(path.join(dir, `${name}.ts`), { workerData, execArgv: ['--require', hook] });
}
