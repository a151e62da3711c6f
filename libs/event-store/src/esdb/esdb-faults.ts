/**
 * How the EventStoreDB adapter turns client 6.2.1 failures into port errors, and the one retry it
 * makes by itself.
 *
 * - NotLeader (the node lost leadership, or a follower got a `requires-leader` call): the client has
 *   already closed the channel and points the next call at the leader named in the error
 *   (Client.handleError / shouldReconnect, src/Client/index.ts in v6.2.1). Nothing was written, so the
 *   same call is made again, a bounded number of times; still NotLeader (an election in progress) →
 *   StoreUnavailableError('not-leader').
 * - UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED by the server, ABORTED (the server's own operation
 *   timeout), RESOURCE_EXHAUSTED → StoreUnavailableError, never retried here: an append that timed out
 *   may have landed, and only a caller that decides again (same key, same deterministic ids) can retry
 *   it safely. HTTP answers 503 + Retry-After.
 * - UNKNOWN / INTERNAL (a fault inside the server) → StoreUnavailableError('server-error') too, surfaced
 *   at once: the client does not reconnect on them and neither does the adapter, so no silent loop.
 * - StreamDeleted → the port's StreamDeletedError; MaximumAppendSizeExceeded → AppendTooLargeError.
 */
import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  isCommandError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError as EsdbStreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
} from '@eventstore/db-client';
import {
  AppendTooLargeError,
  StoreUnavailableError,
  StreamDeletedError,
  type StreamName,
} from '../event-store';

/** gRPC status codes (a stable standard), so this library needs no direct dependency on grpc-js. */
const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
};

/** The port error for a client failure, or the failure itself when it is none of the above. */
export function toPortError(error: unknown, stream?: StreamName): unknown {
  if (!(error instanceof Error)) return error;
  if (error instanceof EsdbStreamDeletedError)
    return new StreamDeletedError(error.streamName ?? stream ?? '?');
  if (error instanceof MaxAppendSizeExceededError) {
    const max = Number.isFinite(error.maxAppendSize) ? error.maxAppendSize : undefined;
    return new AppendTooLargeError(stream ?? '?', max);
  }
  const reason = unavailableReason(error);
  return reason ? new StoreUnavailableError(reason, error.message, 1, { cause: error }) : error;
}

function unavailableReason(error: Error): string | undefined {
  if (error instanceof NotLeaderError) return 'not-leader';
  if (error instanceof UnavailableError) return 'unavailable';
  if (error instanceof DeadlineExceededError) return 'deadline-exceeded';
  if (error instanceof TimeoutError) return 'server-timeout';
  if (error instanceof CancelledError) return 'cancelled';
  if (error instanceof AccessDeniedError) return undefined;
  if (error instanceof UnknownError) return 'server-error';
  const code = (error as { code?: unknown }).code;
  if (!isCommandError(error) && typeof code !== 'number') return undefined;
  switch (code) {
    case GRPC.UNAVAILABLE:
      return 'unavailable';
    case GRPC.DEADLINE_EXCEEDED:
      return 'deadline-exceeded';
    case GRPC.CANCELLED:
      return 'cancelled';
    case GRPC.ABORTED:
      return 'server-timeout';
    case GRPC.RESOURCE_EXHAUSTED:
      return 'resource-exhausted';
    case GRPC.UNKNOWN:
    case GRPC.INTERNAL:
      return 'server-error';
    default:
      return undefined;
  }
}

export interface LeaderRetryPolicy {
  /** Calls after the first one when the node answers NotLeader. */
  readonly attempts: number;
  /** Pause before each retry: lets the client finish switching its channel to the leader. */
  readonly delayMs: number;
}

/** Runs `operation`, again on NotLeader (bounded); every failure leaves as a port error. */
export async function callLeader<T>(
  policy: LeaderRetryPolicy,
  stream: StreamName | undefined,
  operation: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof NotLeaderError) || attempt >= policy.attempts) throw toPortError(error, stream);
      await new Promise((resolve) => setTimeout(resolve, policy.delayMs * (attempt + 1)));
    }
  }
}

/**
 * Reads in client 6.2.1 run with `deadline: Infinity` whatever the caller passes (readStream.ts and
 * readAll.ts hand `{ deadline: Infinity }` as call options, which win over BaseOptions.deadline in
 * Client.callArguments). So the adapter keeps its own: past `ms`, the read is cancelled and fails.
 */
export async function collectWithDeadline<R, T>(
  read: AsyncIterable<R> & { cancel(): Promise<void> },
  ms: number,
  map: (item: R) => T,
): Promise<T[]> {
  const out: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void read.cancel().catch(() => undefined);
      reject(new StoreUnavailableError('deadline-exceeded', `read did not complete within ${ms} ms`));
    }, ms);
  });
  expired.catch(() => undefined);
  const reading = (async () => {
    for await (const item of read) out.push(map(item));
  })();
  reading.catch(() => undefined); // after the deadline, the cancelled read's own failure is not news
  try {
    await Promise.race([reading, expired]);
  } finally {
    clearTimeout(timer);
  }
  return out;
}
