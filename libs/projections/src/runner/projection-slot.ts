import type { RecordedEvent } from '@ledger/event-store';
import { decodeLedgerEvent, type ProjectedEvent } from '../events/ledger-event';
import type { StreamQuarantine } from '../read-store/quarantine-table';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import { transactionsOf } from '../read-store/transactions';
import type { Projection, ProjectionWriter } from './projection';
import { isStorageError } from './projection-failures';
import type { StreamQuarantines } from './stream-quarantines';

export interface ProjectionSlot {
  readonly projection: Projection;
  writer: ProjectionWriter;
  /** Last position applied, as committed. */
  position: bigint;
  /** Rebuilding from 0 without its secondary indexes: they are built when the catch-up ends. */
  indexesPending: boolean;
}

/** An event decoded once per batch for every projection; a body that cannot be decoded fails each of them. */
export type Decoded = { readonly event: ProjectedEvent | null } | { readonly error: unknown };

/**
 * One projection's share of a batch, inside the batch's transaction, up to `target`: events of its
 * quarantined streams are held back; the rest apply in a savepoint. When one throws, the share is
 * applied again event by event, each in its own savepoint: the event that throws is not applied
 * (its savepoint rolls back, the writer forgets what it buffered) and its stream is quarantined,
 * and every other stream goes on. A storage error is the whole batch's: it is thrown on, and the
 * batch's transaction rolls back.
 */
export function applyShare(
  db: ReadModelDatabase,
  slot: ProjectionSlot,
  quarantines: StreamQuarantines,
  batch: { readonly events: readonly RecordedEvent[]; readonly decoded: readonly Decoded[] },
  target: bigint,
  now: number,
): void {
  const name = slot.projection.name;
  const { events, decoded } = batch;
  const mine = (event: RecordedEvent) => event.position > slot.position && event.position <= target;
  const heldBack: RecordedEvent[] = [];
  try {
    transactionsOf(db).savepoint(() => {
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        if (!mine(event)) continue;
        if (quarantines.get(name, event.streamName) !== undefined) heldBack.push(event);
        else applyDecoded(slot.writer, decoded[i]);
      }
      slot.writer.flush();
    });
    quarantines.holdBack(name, heldBack);
    return;
  } catch (error) {
    slot.writer.discard();
    if (isStorageError(error)) throw error;
  }
  events.forEach((event, i) => {
    if (!mine(event)) return;
    if (quarantines.get(name, event.streamName) !== undefined) return quarantines.holdBack(name, [event]);
    const failed = applyAlone(db, slot.writer, decoded[i]);
    if (failed !== undefined) quarantines.quarantine(name, event, failed.error, now);
  });
}

/**
 * Lifting a quarantine: the poison and the stream's held-back events (read back from the log, up
 * to the projection's checkpoint) are applied in order, each in its own savepoint. All applied:
 * the stream is released. One throws: the quarantine moves to it (or stays, one attempt more).
 * `stale`: the events read do not cover what was held back (more came since): read again.
 */
export function replayHeldBack(
  db: ReadModelDatabase,
  slot: ProjectionSlot,
  quarantines: StreamQuarantines,
  q: StreamQuarantine,
  streamEvents: readonly RecordedEvent[],
  now: number,
): 'released' | 'still' | 'stale' {
  const pending = streamEvents.filter((e) => e.position >= q.position && e.position <= slot.position);
  const last = pending[pending.length - 1];
  if (last === undefined || pending[0].id !== q.eventId) return 'stale';
  if (q.heldBackLast !== undefined && last.position < q.heldBackLast) return 'stale';
  for (let i = 0; i < pending.length; i++) {
    const failed = applyAlone(db, slot.writer, decodeOnce(pending[i]));
    if (failed === undefined) continue;
    quarantines.retryFailed(q, pending[i], failed.error, pending.slice(i + 1), now);
    return 'still';
  }
  quarantines.release(q);
  return 'released';
}

/** One event in its own savepoint: undefined when applied, the error when it could not be. */
function applyAlone(
  db: ReadModelDatabase,
  writer: ProjectionWriter,
  decoded: Decoded,
): { error: unknown } | undefined {
  try {
    transactionsOf(db).savepoint(() => {
      applyDecoded(writer, decoded);
      writer.flush();
    });
    return undefined;
  } catch (error) {
    writer.discard();
    if (isStorageError(error)) throw error;
    return { error };
  }
}

export function decodeOnce(recorded: RecordedEvent): Decoded {
  try {
    return { event: decodeLedgerEvent(recorded) };
  } catch (error) {
    return { error };
  }
}

function applyDecoded(writer: ProjectionWriter, decoded: Decoded): void {
  if ('error' in decoded) throw decoded.error;
  if (decoded.event !== null) writer.apply(decoded.event);
}
