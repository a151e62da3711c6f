import {
  failureFrom,
  PositionWaiters,
  type CommitProgress,
  type ProjectionFailure,
  type ProjectionFailureReport,
  type ReadModelRunner,
  type RunnerStatus,
} from '@ledger/projections';
import type { Worker } from 'node:worker_threads';
import {
  positionsFrom,
  type FromWorker,
  type ProjectionWorkerData,
  type ToWorker,
} from './projection-worker-protocol';
import { startWorker } from './worker-entry';

export interface WorkerRunnerHooks {
  readonly onCommit?: (progress: CommitProgress) => void;
  readonly onLog?: (
    level: 'error' | 'warn',
    message: string,
    stack?: string,
    failure?: ProjectionFailureReport,
  ) => void;
}

/** How long the worker may take to open its files and report ready. */
const READY_TIMEOUT_MS = 60_000;

/**
 * The server thread's side of the projection worker (projection-worker.ts): positions as the worker
 * last reported them, `waitForPosition` answered from those reports, commands sent as messages.
 */
export class WorkerProjectionRunner implements ReadModelRunner {
  private current = new Map<string, bigint>();
  private readonly waiters = new PositionWaiters(() => this.position());
  private readonly requests = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private running = false;
  private failure: Error | undefined;
  private failures: readonly ProjectionFailure[] = [];
  private exited = false;

  private constructor(
    private readonly worker: Worker,
    private readonly hooks: WorkerRunnerHooks,
  ) {}

  /** Starts the worker and waits until it has opened the read models (schema created, versions checked). */
  static async spawn(
    data: ProjectionWorkerData,
    hooks: WorkerRunnerHooks = {},
  ): Promise<{ runner: WorkerProjectionRunner; rebuiltOnOpen: readonly string[] }> {
    const worker = startWorker(__dirname, 'projection-worker', data);
    const runner = new WorkerProjectionRunner(worker, hooks);
    const ready = await new Promise<readonly string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('projection worker did not start')), READY_TIMEOUT_MS);
      worker.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      worker.on('message', (message: FromWorker) => {
        // Lines the worker writes while opening (a corrupt file set aside, read models rebuilt).
        if (message.kind === 'log' && !runner.listening)
          hooks.onLog?.(message.level, message.message, message.stack);
        if (message.kind !== 'ready') return;
        clearTimeout(timer);
        runner.current = positionsFrom(message.positions);
        resolve(message.rebuiltOnOpen);
      });
    });
    runner.listen();
    return { runner, rebuiltOnOpen: ready };
  }

  start(): void {
    this.running = true;
    void this.request({ kind: 'start', id: 0 }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.request({ kind: 'stop', id: 0 });
    this.running = false;
  }

  async close(): Promise<void> {
    this.running = false;
    if (!this.exited) {
      await this.request({ kind: 'close', id: 0 }).catch(() => undefined);
      await this.worker.terminate();
    }
    this.running = false;
    this.waiters.cancelAll();
  }

  position(): bigint {
    let min: bigint | undefined;
    for (const position of this.current.values()) if (min === undefined || position < min) min = position;
    return min ?? 0n;
  }

  positions(): ReadonlyMap<string, bigint> {
    return new Map(this.current);
  }

  status(): RunnerStatus {
    return {
      running: this.running && !this.exited,
      position: this.position(),
      positions: this.positions(),
      failure: this.failure,
      failures: this.failures,
    };
  }

  waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.waiters.waitFor(position, timeoutMs);
  }

  pause(): void {
    void this.request({ kind: 'pause', id: 0 }).catch(() => undefined);
  }

  resume(): void {
    void this.request({ kind: 'resume', id: 0 }).catch(() => undefined);
  }

  rebuild(names?: readonly string[]): Promise<void> {
    return this.request({ kind: 'rebuild', id: 0, names });
  }

  private request(message: ToWorker): Promise<void> {
    if (this.exited) return Promise.reject(new Error('projection worker has exited'));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.requests.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  private listening = false;

  private listen(): void {
    this.listening = true;
    this.worker.on('message', (message: FromWorker) => {
      switch (message.kind) {
        case 'commit': {
          this.current = positionsFrom(message.positions);
          this.hooks.onCommit?.({
            positions: this.current,
            events: message.events,
            durationMs: message.durationMs,
          });
          this.waiters.notify();
          return;
        }
        case 'done': {
          this.current = positionsFrom(message.positions);
          this.waiters.notify();
          const pending = this.requests.get(message.id);
          this.requests.delete(message.id);
          if (message.error === undefined) pending?.resolve();
          else pending?.reject(new Error(message.error));
          return;
        }
        case 'log':
          if (message.failure !== undefined) this.failure = new Error(message.message);
          this.hooks.onLog?.(message.level, message.message, message.stack, message.failure);
          return;
        case 'failures':
          this.failures = message.failures.map(failureFrom);
          if (this.failures.length === 0) this.failure = undefined;
          return;
        case 'ready':
          return;
      }
    });
    this.worker.on('error', (error) => {
      this.failure = error;
      this.hooks.onLog?.('error', `projection worker: ${error.message}`, error.stack);
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (this.running) {
        this.failure ??= new Error(`projection worker exited (code ${code})`);
        this.hooks.onLog?.(
          'error',
          `projection worker exited (code ${code}): the read models no longer follow the log`,
        );
      }
      for (const pending of this.requests.values()) pending.reject(new Error('projection worker has exited'));
      this.requests.clear();
    });
  }
}
