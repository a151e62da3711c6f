import type { RunnerStatus } from './projection-runner';

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
