import type { RecordedEvent } from '@ledger/event-store';
import { QuarantineTable, type StreamQuarantine } from '../read-store/quarantine-table';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import { messageOf, retryDelayMs, type ProjectionFailure } from './projection-failures';

/**
 * The applier's view of the quarantined streams: the stored rows, reloaded inside each batch's
 * transaction (another process sharing the file may have quarantined or lifted one), changed only
 * inside a transaction, so what is stored always matches the checkpoints it was written with.
 */
export class StreamQuarantines {
  private readonly table: QuarantineTable;
  private current = new Map<string, StreamQuarantine>();
  /** Quarantined in the transaction in progress: reported once it commits. */
  private fresh: StreamQuarantine[] = [];
  private committedFresh: StreamQuarantine[] = [];

  constructor(
    db: ReadModelDatabase,
    private readonly firstRetryMs: number,
  ) {
    this.table = new QuarantineTable(db);
    this.reload();
  }

  /** Inside a transaction (or after a rollback): the stored rows are the truth. */
  reload(): void {
    this.current = new Map(this.table.all().map((q) => [keyOf(q.projection, q.stream), q]));
    this.fresh = [];
  }

  /** Asked for every event of every batch: the common case (none at all) builds no key. */
  get(projection: string, stream: string): StreamQuarantine | undefined {
    return this.current.size === 0 ? undefined : this.current.get(keyOf(projection, stream));
  }

  list(): StreamQuarantine[] {
    return [...this.current.values()];
  }

  /** The event could not be applied: its stream is quarantined in this projection (in the transaction). */
  quarantine(projection: string, event: RecordedEvent, error: unknown, now: number): void {
    const q: StreamQuarantine = {
      projection,
      stream: event.streamName,
      position: event.position,
      eventId: event.id,
      revision: event.revision,
      reason: messageOf(error),
      since: now,
      attempts: 1,
      retryAt: now + retryDelayMs('event', 1, this.firstRetryMs),
      heldBack: 0,
      heldBackLast: undefined,
    };
    this.put(q);
    this.fresh.push(q);
  }

  /** Later events of a quarantined stream, not applied (in the transaction). */
  holdBack(projection: string, events: readonly RecordedEvent[]): void {
    for (const event of events) {
      const q = this.get(projection, event.streamName);
      if (q === undefined)
        throw new Error(`stream "${event.streamName}" is not quarantined in ${projection}`);
      this.put({ ...q, heldBack: q.heldBack + 1, heldBackLast: event.position });
    }
  }

  /**
   * A retry applied the held-back events up to `failed` and no further: the quarantine moves to it
   * (the same poison: one more attempt, a longer backoff; a later event: a new quarantine there).
   */
  retryFailed(
    q: StreamQuarantine,
    failed: RecordedEvent,
    error: unknown,
    stillHeld: readonly RecordedEvent[],
    now: number,
  ): void {
    const same = failed.position === q.position;
    const attempts = same ? q.attempts + 1 : 1;
    this.put({
      ...q,
      position: failed.position,
      eventId: failed.id,
      revision: failed.revision,
      reason: messageOf(error),
      since: same ? q.since : now,
      attempts,
      retryAt: now + retryDelayMs('event', attempts, this.firstRetryMs),
      heldBack: stillHeld.length,
      heldBackLast: stillHeld.length === 0 ? undefined : stillHeld[stillHeld.length - 1].position,
    });
  }

  /**
   * A retry could not read the stream back from the log (deleted, tombstoned, a read past its
   * deadline): one more failed attempt, with the same growing backoff as the poison's own.
   */
  readFailed(q: StreamQuarantine, error: unknown, now: number): void {
    const attempts = q.attempts + 1;
    this.put({
      ...q,
      reason: `${q.reason.replace(/ \(retry could not read the stream: .*\)$/s, '')} (retry could not read the stream: ${messageOf(error)})`,
      attempts,
      retryAt: now + retryDelayMs('event', attempts, this.firstRetryMs),
    });
  }

  /** The stream caught up with its checkpoint: its events apply again (in the transaction). */
  release(q: StreamQuarantine): void {
    this.table.remove(q.projection, q.stream);
    this.current.delete(keyOf(q.projection, q.stream));
  }

  /** A rebuild starts the projection afresh (in the rebuild's transaction). */
  clear(projection: string): void {
    this.table.clear(projection);
    for (const [key, q] of this.current) if (q.projection === projection) this.current.delete(key);
  }

  /** The transaction committed: its new quarantines are ready to be reported. */
  committed(): void {
    this.committedFresh.push(...this.fresh);
    this.fresh = [];
  }

  /** Quarantines made since the last call (one log line and one metric each). */
  takeNew(): StreamQuarantine[] {
    const taken = this.committedFresh;
    this.committedFresh = [];
    return taken;
  }

  nextRetryAt(): number | undefined {
    let next: number | undefined;
    for (const q of this.current.values()) if (next === undefined || q.retryAt < next) next = q.retryAt;
    return next;
  }

  private put(q: StreamQuarantine): void {
    this.table.write(q);
    this.current.set(keyOf(q.projection, q.stream), q);
  }
}

/** A quarantine as /health, the metrics and the logs see it: an `event` failure naming its stream. */
export function failureOfQuarantine(q: StreamQuarantine): ProjectionFailure {
  return {
    projection: q.projection,
    kind: 'event',
    position: q.position,
    reason: q.reason,
    since: q.since,
    attempts: q.attempts,
    retryAt: q.retryAt,
    stream: q.stream,
    eventId: q.eventId,
    heldBack: { count: q.heldBack, lastPosition: q.heldBackLast },
  };
}

/** Projection names hold no NUL: the pair cannot collide with another. */
function keyOf(projection: string, stream: string): string {
  return `${projection}\u0000${stream}`;
}
