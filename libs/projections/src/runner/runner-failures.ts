import type { StreamQuarantine } from '../read-store/quarantine-table';
import {
  describeFailure,
  messageOf,
  retryDelayMs,
  type ProjectionFailure,
  type ProjectionFailureKind,
} from './projection-failures';
import { failureOfQuarantine } from './stream-quarantines';

export interface RunnerFailureHooks {
  /** Every failure, with the projection and position when it is a projection's (a log line, a metric). */
  readonly onError?: (error: Error, failure?: ProjectionFailure) => void;
  /** The set of failures changed (one more, or one healed): what /health reports. */
  readonly onFailuresChanged?: (failures: readonly ProjectionFailure[]) => void;
}

/** What the failures are read from: the projections' positions and their quarantined streams. */
export interface FailureSources {
  positions(): ReadonlyMap<string, bigint>;
  quarantined(): readonly StreamQuarantine[];
}

/**
 * The runner's account of what is wrong, for /health, the logs and the metrics:
 * - a storage or log failure (`failAll`): no projection moves until a retry succeeds (`healed`);
 * - quarantined streams: one report each when made; listed while they last.
 * Reports only changes (`onFailuresChanged`), never the same set twice.
 */
export class RunnerFailures {
  private runnerFailure:
    | { kind: ProjectionFailureKind; error: Error; since: number; attempts: number; retryAt: number }
    | undefined;
  private lastError: Error | undefined;
  private reported = '';
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly sources: FailureSources,
    private readonly hooks: RunnerFailureHooks,
    private readonly firstRetryMs: number,
  ) {}

  /** The read-model file or the log failed: every projection stands still until a retry passes. */
  failAll(kind: ProjectionFailureKind, error: Error): void {
    const now = Date.now();
    const attempts = (this.runnerFailure?.attempts ?? 0) + 1;
    this.runnerFailure = {
      kind,
      error,
      since: this.runnerFailure?.since ?? now,
      attempts,
      retryAt: now + retryDelayMs(kind, attempts, this.firstRetryMs),
    };
    this.lastError = error;
    this.hooks.onError?.(
      error,
      this.list().find((f) => f.kind === kind),
    );
    this.report();
  }

  /** Storage or the log works again. */
  healed(kind?: ProjectionFailureKind): void {
    if (this.runnerFailure === undefined || (kind !== undefined && this.runnerFailure.kind !== kind)) return;
    this.runnerFailure = undefined;
    this.report();
  }

  /** One error line (and one metric) per stream newly quarantined. */
  quarantined(made: readonly StreamQuarantine[]): void {
    for (const q of made) {
      const failure = failureOfQuarantine(q);
      this.lastError = new Error(
        `projection "${q.projection}" cannot apply the event at position ${q.position} (stream "${q.stream}", event ${q.eventId}): ${q.reason}; the stream is quarantined in this projection, its later events held back`,
      );
      this.hooks.onError?.(this.lastError, failure);
    }
    this.report();
  }

  /**
   * Before reading the log again: until the storage or log failure is due for its retry (backoff),
   * or `firstRetryMs` when the log simply ended; `wake` cuts it short (the runner stops).
   */
  async waitBeforeRetry(): Promise<void> {
    await new Promise<void>((resolve) => {
      const retryAt = this.runnerFailure?.retryAt;
      const delay = retryAt === undefined ? this.firstRetryMs : Math.max(0, retryAt - Date.now());
      const timer = setTimeout(resolve, delay);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
  }

  wake(): void {
    this.wakeUp?.();
  }

  storageOrLog(): Error | undefined {
    return this.runnerFailure?.error;
  }

  /** The last failure not yet healed (storage, log, or a quarantine still in place). */
  current(): Error | undefined {
    if (this.runnerFailure !== undefined) return this.runnerFailure.error;
    const quarantines = this.sources.quarantined();
    if (quarantines.length === 0) return undefined;
    return this.lastError ?? new Error(describeFailure(failureOfQuarantine(quarantines[0])));
  }

  /** A storage or log failure is every projection's; each quarantined stream is its projection's. */
  list(): ProjectionFailure[] {
    const quarantined = this.sources.quarantined().map(failureOfQuarantine);
    const all = this.runnerFailure;
    if (all === undefined) return quarantined;
    const everyOne = [...this.sources.positions()].map(([projection, position]) => ({
      projection,
      kind: all.kind,
      position,
      reason: messageOf(all.error),
      since: all.since,
      attempts: all.attempts,
      retryAt: all.retryAt,
    }));
    return [...everyOne, ...quarantined];
  }

  /** Tells `onFailuresChanged` when the set changed. */
  report(): void {
    const failures = this.list();
    const summary = JSON.stringify(
      failures.map((f) => [
        f.projection,
        f.kind,
        f.stream ?? '',
        String(f.position),
        f.attempts,
        f.heldBack?.count ?? 0,
      ]),
    );
    if (summary === this.reported) return;
    this.reported = summary;
    this.hooks.onFailuresChanged?.(failures);
  }
}
