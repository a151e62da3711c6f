import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  LedgerReadSide,
  READ_MODELS_FILE,
  reportOf,
  type VerifyProgress,
  type VerifyReport,
} from '@ledger/projections';
import { join } from 'node:path';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config';
import { startWorker } from '../read-side/worker-entry';
import { EVENTS_FILE } from '../store/event-store.factory';
import type { FromVerifyWorker, ToVerifyWorker, VerifyWorkerData } from './verify-worker-protocol';

/** What GET /v1/finance/verify/progress answers. */
export interface VerificationState {
  readonly running: boolean;
  readonly startedAt: string | null;
  /** While running: the phase, events replayed, and where the replay stands against its target. */
  readonly progress: VerifyProgress | null;
  /** Verifications waiting for this one to end (they run one at a time). */
  readonly queued: number;
  readonly last: { readonly finishedAt: string; readonly ok: boolean; readonly position: string } | null;
}

/**
 * POST /v1/finance/verify, off the request thread: each verification runs in a worker thread with
 * its own connections (verify-worker.ts), one at a time, and reports its progress as it goes.
 */
@Injectable()
export class VerificationService {
  private readonly logger = new Logger('Verify');
  private queue: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private current: { startedAt: Date; progress: VerifyProgress | null } | undefined;
  private last: VerificationState['last'] = null;

  constructor(
    private readonly readSide: LedgerReadSide,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  verify(): Promise<VerifyReport> {
    this.queued += 1;
    const run = this.queue.then(() => {
      this.queued -= 1;
      return this.runInWorker();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  state(): VerificationState {
    return {
      running: this.current !== undefined,
      startedAt: this.current?.startedAt.toISOString() ?? null,
      progress: this.current?.progress ?? null,
      queued: this.queued,
      last: this.last,
    };
  }

  private runInWorker(): Promise<VerifyReport> {
    const data: VerifyWorkerData = {
      ...(this.config.eventStoreConnectionString === undefined
        ? { eventsPath: join(this.config.dataDir, EVENTS_FILE) }
        : { eventStoreConnectionString: this.config.eventStoreConnectionString }),
      databasePath: join(this.config.dataDir, READ_MODELS_FILE),
    };
    const runner = this.readSide.runner;
    const current = { startedAt: new Date(), progress: null as VerifyProgress | null };
    this.current = current;
    const worker = startWorker(__dirname, 'verify-worker', data);
    let pauses = 0;
    return new Promise<VerifyReport>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        // The runner is never left paused, whatever became of the worker.
        for (; pauses > 0; pauses--) runner.resume();
        if (this.current === current) this.current = undefined;
        outcome();
      };
      worker.on('message', (message: FromVerifyWorker) => {
        switch (message.kind) {
          case 'positions?': {
            const positions = [...runner.positions()].map(([name, p]) => [name, p.toString()] as const);
            worker.postMessage({ kind: 'positions', id: message.id, positions } satisfies ToVerifyWorker);
            return;
          }
          case 'pause':
            pauses += 1;
            return runner.pause();
          case 'resume':
            if (pauses > 0) pauses -= 1;
            return runner.resume();
          case 'progress':
            current.progress = message.progress;
            return;
          case 'done':
            this.last = {
              finishedAt: new Date().toISOString(),
              ok: message.report.ok,
              position: message.report.position,
            };
            return settle(() => resolve(this.withFailures(message.report)));
          case 'failed':
            return settle(() => reject(new Error(`verification failed: ${message.message}`)));
        }
      });
      worker.on('error', (error) => settle(() => reject(error)));
      worker.on('exit', (code) =>
        settle(() => reject(new Error(`verification worker exited (code ${code}) before answering`))),
      );
    }).catch((error: unknown) => {
      this.logger.error(`verification: ${(error as Error).message}`);
      throw error;
    });
  }

  /** A read side behind the log says why, when the runner knows (a stopped projection). */
  private withFailures(report: VerifyReport): VerifyReport {
    if (report.readSide === undefined) return report;
    const failures = this.readSide.runner.status().failures.map(reportOf);
    return failures.length === 0 ? report : { ...report, readSide: { ...report.readSide, failures } };
  }
}
