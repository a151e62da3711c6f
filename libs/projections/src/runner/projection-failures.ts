/**
 * Why a read model is not following the log (SPEC §10: never silently):
 * - `event`: the projection cannot apply the event at `position` (a poison event: a bug, or data the
 *   code does not understand). Its STREAM is quarantined in that projection (`stream` is set): the
 *   stream's later events are held back, never applied out of order nor skipped, while every other
 *   stream and projection keeps going. It is retried with a long backoff (the stream's held-back
 *   events are read back from the log and applied in order); a rebuild or a version bump lifts it.
 * - `storage`: the read-model file could not be written (disk full, I/O error, read-only): no
 *   projection moves; the batch is retried with a short backoff and heals by itself once the file
 *   can be written again.
 * - `log`: the event store could not be read (unreachable); retried the same way.
 */
export type ProjectionFailureKind = 'event' | 'storage' | 'log';

export interface ProjectionFailure {
  readonly projection: string;
  readonly kind: ProjectionFailureKind;
  /** `event`: the position of the event it cannot apply; otherwise where the projection stands. */
  readonly position: bigint;
  readonly reason: string;
  /** Epoch ms of the first failure at this position. */
  readonly since: number;
  readonly attempts: number;
  /** Epoch ms of the next attempt. */
  readonly retryAt: number;
  /** `event`: the stream quarantined in this projection, the poison event's id, and what is held back. */
  readonly stream?: string;
  readonly eventId?: string;
  readonly heldBack?: HeldBack;
}

/** Events of a quarantined stream after the poison, not applied until the quarantine is lifted. */
export interface HeldBack {
  readonly count: number;
  readonly lastPosition: bigint | undefined;
}

/** The failure as JSON-friendly data (positions as decimal strings, times as ISO): /health, the worker protocol. */
export interface ProjectionFailureReport {
  readonly projection: string;
  readonly kind: ProjectionFailureKind;
  readonly position: string;
  readonly reason: string;
  readonly since: string;
  readonly attempts: number;
  readonly nextRetryAt: string;
  readonly stream?: string;
  readonly eventId?: string;
  readonly heldBack?: { readonly count: number; readonly lastPosition: string | null };
}

export function reportOf(failure: ProjectionFailure): ProjectionFailureReport {
  return {
    projection: failure.projection,
    kind: failure.kind,
    position: failure.position.toString(),
    reason: failure.reason,
    since: new Date(failure.since).toISOString(),
    attempts: failure.attempts,
    nextRetryAt: new Date(failure.retryAt).toISOString(),
    ...(failure.stream === undefined ? {} : { stream: failure.stream, eventId: failure.eventId }),
    ...(failure.heldBack === undefined
      ? {}
      : {
          heldBack: {
            count: failure.heldBack.count,
            lastPosition: failure.heldBack.lastPosition?.toString() ?? null,
          },
        }),
  };
}

/** Quarantined streams: retried after 1 s, 2 s, 4 s … up to 5 min (a retry reads the stream back from the log). */
export const EVENT_RETRY_FIRST_MS = 1_000;
const EVENT_RETRY_MAX_MS = 300_000;
/** Storage and log: after `first` ms (the runner's retryDelayMs), doubling up to 5 s. */
const STORAGE_RETRY_MAX_MS = 5_000;

export function retryDelayMs(kind: ProjectionFailureKind, attempts: number, firstMs: number): number {
  const [first, max] = kind === 'event' ? [firstMs, EVENT_RETRY_MAX_MS] : [firstMs, STORAGE_RETRY_MAX_MS];
  return Math.min(max, first * 2 ** Math.min(Math.max(attempts - 1, 0), 20));
}

/**
 * SQLite errors caused by the rows a projection tried to write (so by the event), as opposed to the
 * file or disk (SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_CORRUPT, …), which no event causes.
 */
const DATA_CAUSED_CODES = ['SQLITE_CONSTRAINT', 'SQLITE_MISMATCH', 'SQLITE_TOOBIG', 'SQLITE_RANGE'];

/** True when the error says the read-model file cannot be written, whatever the event. */
export function isStorageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return false;
  return !DATA_CAUSED_CODES.some((prefix) => code.startsWith(prefix));
}

/** Duck-typed: errors from a native addon or another realm (jest) are not always `instanceof Error`. */
export function messageOf(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

export function failureFrom(report: ProjectionFailureReport): ProjectionFailure {
  return {
    projection: report.projection,
    kind: report.kind,
    position: BigInt(report.position),
    reason: report.reason,
    since: Date.parse(report.since),
    attempts: report.attempts,
    retryAt: Date.parse(report.nextRetryAt),
    ...(report.stream === undefined ? {} : { stream: report.stream, eventId: report.eventId }),
    ...(report.heldBack === undefined
      ? {}
      : {
          heldBack: {
            count: report.heldBack.count,
            lastPosition:
              report.heldBack.lastPosition === null ? undefined : BigInt(report.heldBack.lastPosition),
          },
        }),
  };
}

/** One line for logs, /health and the CLI: projection, stream, position, reason. */
export function describeFailure(failure: ProjectionFailure | ProjectionFailureReport): string {
  if (failure.stream === undefined)
    return `${failure.projection} stopped at position ${failure.position} (${failure.kind}): ${failure.reason}`;
  const held = failure.heldBack?.count ?? 0;
  return `${failure.projection} quarantined stream "${failure.stream}" at position ${failure.position}: ${failure.reason}${held > 0 ? ` (${held} later event${held === 1 ? '' : 's'} held back)` : ''}`;
}
