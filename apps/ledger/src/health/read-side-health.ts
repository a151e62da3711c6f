import {
  describeFailure,
  reportOf,
  type ProjectionFailureReport,
  type RunnerStatus,
} from '@ledger/projections';

export interface ReadSideHealth {
  readonly status: 'ok' | 'degraded';
  /** The position every read model has reached. */
  readonly position: string;
  /** Why it is degraded, in one line (absent when ok). */
  readonly reason?: string;
  /** One entry per projection not following the log, and per quarantined stream (empty when ok). */
  readonly failures: readonly ProjectionFailureReport[];
  /**
   * The streams quarantined in a projection (also in `failures`): the account's reads through that
   * read model answer 503 until a rebuild, or a retry that applies the stream's events, lifts it.
   */
  readonly quarantined: readonly ProjectionFailureReport[];
}

/**
 * The read side's part of /health, a plain function of the runner's status (whatever controller
 * serves /health calls it): degraded while a projection is stopped, a stream is quarantined, or
 * the runner is not running.
 */
export function readSideHealth(status: RunnerStatus): ReadSideHealth {
  const position = status.position.toString();
  const failures = status.failures.map(reportOf);
  const quarantined = failures.filter((f) => f.stream !== undefined);
  if (failures.length > 0) {
    const reason = failures.map(describeFailure).join('; ');
    return { status: 'degraded', position, reason, failures, quarantined };
  }
  if (!status.running) {
    const why = status.failure?.message ?? 'the projection runner is not running';
    return { status: 'degraded', position, reason: why, failures, quarantined };
  }
  return { status: 'ok', position, failures, quarantined };
}
