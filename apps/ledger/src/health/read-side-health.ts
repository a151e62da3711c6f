import { reportOf, type ProjectionFailureReport, type RunnerStatus } from '@ledger/projections';

export interface ReadSideHealth {
  readonly status: 'ok' | 'degraded';
  /** The position every read model has reached. */
  readonly position: string;
  /** Why it is degraded, in one line (absent when ok). */
  readonly reason?: string;
  /** One entry per projection not following the log (empty when ok). */
  readonly failures: readonly ProjectionFailureReport[];
}

/** The read side's part of /health: degraded while a projection is stopped or the runner is not running. */
export function readSideHealth(status: RunnerStatus): ReadSideHealth {
  const position = status.position.toString();
  const failures = status.failures.map(reportOf);
  if (failures.length > 0) {
    const reason = failures
      .map((f) => `${f.projection} stopped at position ${f.position} (${f.kind}): ${f.reason}`)
      .join('; ');
    return { status: 'degraded', position, reason, failures };
  }
  if (!status.running) {
    const why = status.failure?.message ?? 'the projection runner is not running';
    return { status: 'degraded', position, reason: why, failures };
  }
  return { status: 'ok', position, failures };
}
