import type { EventStore, RecordedEvent, Subscription } from '@ledger/event-store';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { PositionWaiters } from './position-waiters';
import { CommitPauses } from './commit-pauses';
import { mustReadAgain, type ProjectionBatchApplier } from './projection-batch-applier';
import type { ProjectionFailure } from './projection-failures';
import { QuarantineRetries } from './quarantine-retries';
import type { CommitProgress, RunnerStatus } from './read-model-runner';
import { RunnerFailures, type RunnerFailureHooks } from './runner-failures';

export interface ProjectionRunnerOptions extends RunnerFailureHooks {
  /** Most live events written in one transaction. Default 5000: large enough to amortise the commit. */
  readonly batchSize?: number;
  /**
   * Events per transaction while catching up from far behind (a rebuild, a new node). Default
   * 20,000: rows of an account touched several times in one page are written once (measured on a
   * 200k-event rebuild: 5,000 → 15.6k ev/s, 20,000 → 17.3k, 50,000 → 20.3k, at ~3 KB of memory per
   * event held). When only batchSize is given, catch-up uses it too.
   */
  readonly catchUpPageSize?: number;
  /**
   * Pause before reading the log again after the event store or the read-model file failed;
   * doubles with each failure in a row, up to 5 s. Default 1000 ms.
   */
  readonly retryDelayMs?: number;
  readonly onCommit?: (progress: CommitProgress) => void;
  /**
   * A batch was not written and the log will be read again from the checkpoints: another process
   * sharing the read-model file held the write lock past the busy timeout, or rebuilt a projection.
   * Expected when several nodes share a data dir; nothing is lost.
   */
  readonly onReread?: (reason: Error) => void;
}

/**
 * Feeds the global log to the projections: catch up, then live, through ONE subscription from the
 * lowest checkpoint. Events are gathered while the subscription delivers them and committed in
 * batches: when a batch is full, or at the next turn of the event loop (so a live event is
 * visible within one tick, and a catch-up writes thousands per transaction). Never through the
 * in-process EventBus: the log is the only source, so what a node shows is what the log says.
 */
export class ProjectionRunner {
  private readonly waiters: PositionWaiters;
  private readonly batchSize: number;
  private readonly catchUpPageSize: number;
  private pending: RecordedEvent[] = [];
  private pendingUpTo = 0n;
  private commitScheduled = false;
  private loop: Promise<void> | undefined;
  private subscription: Subscription | undefined;
  private stopping = false;
  private readonly pauses = new CommitPauses();
  private readonly failed: RunnerFailures;
  private readonly retries: QuarantineRetries;
  /** Where the events in hand were read from (exclusive): projections behind it cannot take them. */
  private readStart = 0n;
  /** Set when a batch could not be written for now: the runner reads the log again from the checkpoints. */
  private rereadError: Error | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly applier: ProjectionBatchApplier,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 5_000;
    this.catchUpPageSize = options.catchUpPageSize ?? options.batchSize ?? 20_000;
    this.waiters = new PositionWaiters(() => this.applier.minPosition());
    this.failed = new RunnerFailures(
      { positions: () => applier.positions(), quarantined: () => applier.quarantined() },
      options,
      options.retryDelayMs ?? 1_000,
    );
    this.retries = new QuarantineRetries(store, applier, {
      mayCommit: () => !this.pauses.held && !this.stopping && this.rereadError === undefined,
      onChanged: () => {
        this.failed.report();
        this.waiters.notify();
      },
      // The file was busy or another process rebuilt a projection meanwhile: read from the checkpoints
      // (never for a quarantined stream the log cannot give back: that only backs the retry off).
      onTroubled: (error) => this.readAgain(error),
    });
  }

  start(): void {
    if (this.loop !== undefined) return;
    this.stopping = false;
    this.loop = this.run().finally(() => (this.loop = undefined));
    this.retries.start();
    // Quarantines stored by an earlier run are /health's from the start.
    this.failed.report();
  }

  /** Stops reading the log; events already received are committed. Waiters keep waiting (see close). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.retries.stop();
    this.failed.wake();
    await this.subscription?.close();
    this.pauses.release();
    await this.loop;
    if (!this.pauses.held) this.commitPending();
  }

  /** Stops for good: pending `waitForPosition` callers are answered false at once. */
  async close(): Promise<void> {
    await this.stop();
    this.waiters.cancelAll();
  }

  /** The position every projection has reached. */
  position(): bigint {
    return this.applier.minPosition();
  }

  positions(): ReadonlyMap<string, bigint> {
    return this.applier.positions();
  }

  status(): RunnerStatus {
    return {
      running: this.loop !== undefined,
      position: this.applier.minPosition(),
      positions: this.applier.positions(),
      failure: this.failed.current(),
      failures: this.failed.list(),
    };
  }

  /** A storage or log failure stops every projection where it stands; a poison event quarantines one stream. */
  failures(): ProjectionFailure[] {
    return this.failed.list();
  }

  waitForPosition(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.waiters.waitFor(position, timeoutMs);
  }

  /**
   * Holds commits (events keep queueing, bounded by one batch) until `resume`: verification reads
   * live rows and checkpoints at one position without stopping the subscription.
   */
  pause(): void {
    this.pauses.pause();
  }

  resume(): void {
    if (this.pauses.resume()) this.scheduleCommit();
  }

  /** Drops the named projections (default: all) and replays the log into them from position 0. */
  async rebuild(names: readonly string[] = this.applier.projectionNames()): Promise<void> {
    const wasRunning = this.loop !== undefined;
    await this.stop();
    for (const name of names) this.applier.rebuild(name);
    this.failed.report();
    if (wasRunning) this.start();
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      this.pending = [];
      this.rereadError = undefined;
      try {
        await this.catchUpInPages();
      } catch (error) {
        if (!this.stopping && error !== this.rereadError) this.failed.failAll('log', error as Error);
        await this.failed.waitBeforeRetry();
        continue;
      }
      // stop() may have come while catching up, before there was a subscription to close.
      if (this.stopping) break;
      this.readStart = this.applier.readFrom();
      this.pendingUpTo = this.readStart;
      const subscription = this.store.subscribeToAll({ fromPosition: this.readStart });
      this.subscription = subscription;
      try {
        for await (const item of subscription) {
          if (this.stopping) break;
          if (item.kind === 'event') {
            this.pending.push(item.event);
            this.pendingUpTo = item.event.position;
          } else if (item.position > this.pendingUpTo) {
            this.pendingUpTo = item.position;
          }
          if (this.pending.length < this.batchSize) {
            this.scheduleCommit();
            continue;
          }
          await this.pauses.whileHeld(this.stopping);
          this.commitPending();
          if (this.rereadError !== undefined) break;
          // Let HTTP requests in between batches of a long catch-up.
          await yieldToEventLoop();
        }
      } catch (error) {
        if (!this.stopping) this.failed.failAll('log', error as Error);
      } finally {
        await subscription.close();
      }
      if (!this.stopping) await this.failed.waitBeforeRetry();
    }
  }

  /**
   * A long way behind (a rebuild, a new node), whole pages read with `readAll` cost less than
   * event-by-event delivery; once a page comes back short the log is nearly caught up and the
   * live subscription takes over from the checkpoint.
   */
  private async catchUpInPages(): Promise<void> {
    for (;;) {
      if (this.stopping) return;
      await this.pauses.whileHeld(this.stopping);
      const fromPosition = this.applier.readFrom();
      const page = await this.store.readAll({ fromPosition, maxCount: this.catchUpPageSize });
      if (this.stopping) return;
      // The end of the catch-up, where rebuilt projections get their indexes: a short page, or a
      // full one that reaches the head (else a log of whole pages would be "caught up" unindexed).
      const last =
        page.length < this.catchUpPageSize ||
        page[page.length - 1].position >= (await this.store.headPosition());
      if (this.stopping) return;
      this.failed.healed('log');
      this.readStart = fromPosition;
      this.pending = page;
      this.pendingUpTo = page.length > 0 ? page[page.length - 1].position : fromPosition;
      this.commitPending(last);
      if (this.rereadError !== undefined) throw this.rereadError;
      if (last) return;
      await yieldToEventLoop();
    }
  }

  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      if (!this.pauses.held) this.commitPending();
    });
  }

  private commitPending(endOfCatchUp = false): void {
    // Until the log is read again from the checkpoints: events in hand may not follow on from
    // where the read models are.
    if (this.rereadError !== undefined) return;
    const events = this.pending;
    const indexing = endOfCatchUp && this.applier.indexesPending();
    if (events.length === 0 && this.pendingUpTo <= this.applier.readFrom() && !indexing) return;
    this.pending = [];
    const started = performance.now();
    try {
      this.applier.apply(events, this.pendingUpTo, endOfCatchUp, this.readStart);
    } catch (error) {
      if (mustReadAgain(error)) this.readAgain(error as Error);
      else {
        // The read-model file cannot be written (disk full, I/O): nothing of the batch is; read
        // the log again from the checkpoints after a backoff, until it can.
        this.failed.failAll('storage', error as Error);
        this.readAgain(error as Error);
      }
      return;
    }
    this.failed.healed();
    this.afterApply();
    this.options.onCommit?.({
      positions: this.applier.positions(),
      events: events.length,
      durationMs: performance.now() - started,
    });
    this.waiters.notify();
  }

  /**
   * Another process sharing the read-model file holds the write lock past the busy timeout, or
   * rebuilt a projection: drop what is in hand and read the log again from the checkpoints.
   */
  private readAgain(error: Error, report = true): void {
    this.rereadError = error;
    if (!this.stopping && report && this.failed.storageOrLog() !== error) this.options.onReread?.(error);
    this.pending = [];
    void this.subscription?.close();
  }

  /** Reports the streams the batch quarantined (one line each) and arms their retry. */
  private afterApply(): void {
    const made = this.applier.newQuarantines();
    if (made.length > 0) {
      this.failed.quarantined(made);
      this.retries.schedule();
    } else this.failed.report();
  }
}
