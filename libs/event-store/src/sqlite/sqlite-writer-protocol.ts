import { ExpectedRevision, StreamName, WrongExpectedVersionError } from '../event-store';
import { DuplicateEventIdError } from './duplicate-event-id-error';
import type { AppendOutcome, AppendRequest } from './sqlite-append-writer';

/** What the writer thread is started with: its own connection to the same file. */
export interface WriterThreadData {
  readonly path: string;
  readonly busyTimeoutMs?: number;
}

export type ToWriter =
  | { readonly kind: 'write'; readonly id: number; readonly batch: readonly AppendRequest[] }
  | { readonly kind: 'close' };

/** A refusal of one append, as plain data (errors do not keep their class across threads). */
export type RefusalData =
  | {
      readonly kind: 'wrong-expected-version';
      readonly stream: StreamName;
      readonly expected: ExpectedRevision;
      readonly actual: bigint | 'no_stream';
    }
  | { readonly kind: 'duplicate-event-id'; readonly stream: StreamName; readonly eventId: string };

export type OutcomeData =
  // `replayed` crosses the thread boundary as it is (structured clone keeps the property).
  | {
      readonly ok: true;
      readonly result: { nextExpectedRevision: bigint; position: bigint; replayed?: true };
    }
  | { readonly ok: false; readonly refusal: RefusalData };

/** A failure of the whole transaction (I/O, disk full, lock timeout): its message and SQLite code. */
export interface FailureData {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export type FromWriter =
  | { readonly kind: 'ready' }
  | { readonly kind: 'opening-failed'; readonly failure: FailureData }
  | { readonly kind: 'written'; readonly id: number; readonly outcomes: readonly OutcomeData[] }
  | { readonly kind: 'failed'; readonly id: number; readonly failure: FailureData }
  | { readonly kind: 'closed' };

export function outcomeData(outcome: AppendOutcome): OutcomeData {
  if (outcome.ok) return outcome;
  const { error } = outcome;
  if (error instanceof WrongExpectedVersionError) {
    const { stream, expected, actual } = error;
    return { ok: false, refusal: { kind: 'wrong-expected-version', stream, expected, actual } };
  }
  if (error instanceof DuplicateEventIdError) {
    return {
      ok: false,
      refusal: { kind: 'duplicate-event-id', stream: error.stream, eventId: error.eventId },
    };
  }
  // The writer only ever refuses an append with one of the two errors above (anything else fails the batch).
  throw new Error(`unexpected refusal ${error.name}: ${error.message}`);
}

export function outcomeOf(data: OutcomeData): AppendOutcome {
  if (data.ok) return data;
  const { refusal } = data;
  const error =
    refusal.kind === 'wrong-expected-version'
      ? new WrongExpectedVersionError(refusal.stream, refusal.expected, refusal.actual)
      : new DuplicateEventIdError(refusal.stream, refusal.eventId);
  return { ok: false, error };
}

export function failureData(error: unknown): FailureData {
  const { name, message, code } = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown };
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/** The failure rebuilt on the caller's thread, keeping SQLite's code (disk full → 503 upstream). */
export function errorOf(failure: FailureData): Error {
  const error = new Error(failure.message) as Error & { code?: string };
  error.name = failure.name;
  if (failure.code !== undefined) error.code = failure.code;
  return error;
}
