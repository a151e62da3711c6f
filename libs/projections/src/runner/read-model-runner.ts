import type { ProjectionFailure } from './projection-failures';

export interface CommitProgress {
  readonly positions: ReadonlyMap<string, bigint>;
  readonly events: number;
  readonly durationMs: number;
}

export interface RunnerStatus {
  readonly running: boolean;
  readonly position: bigint;
  readonly positions: ReadonlyMap<string, bigint>;
  /** The last failure not yet healed (kept for callers that only ask "did it fail?"). */
  readonly failure: Error | undefined;
  /**
   * Every projection not following the log now (storage, log), and every stream quarantined in a
   * projection (kind `event`, `stream` set), and why (empty when all is well).
   */
  readonly failures: readonly ProjectionFailure[];
}

/**
 * What the read side needs of whatever keeps its read models up to date: the in-process
 * ProjectionRunner, or a runner in another thread (the server's) reporting its positions back.
 */
export interface ReadModelRunner {
  start(): void;
  stop(): Promise<void>;
  /** Stops for good: pending waiters are answered false. */
  close(): Promise<void>;
  position(): bigint;
  positions(): ReadonlyMap<string, bigint>;
  status(): RunnerStatus;
  waitForPosition(position: bigint, timeoutMs: number): Promise<boolean>;
  /** Asks the runner to hold commits (verification); it may commit one more batch first. */
  pause(): void;
  resume(): void;
  rebuild(names?: readonly string[]): Promise<void>;
}
