/**
 * Mapping between EventStoreDB's two-part $all positions {commit, prepare} and the port's single
 * bigint. This header is the decision record:
 *
 *   event (commit == prepare = p)             →  2p + 1   (odd)
 *   position between records (prepare < c)   →  2c       (even)  ← catch-up checkpoints
 *   START                                     →  0
 *
 * Why not just `p`: every event a v20+ server writes through gRPC Append is an implicitly committed
 * prepare record, so its commit and prepare positions are both its own log position, even inside a
 * multi-event append (StorageWriterService.WritePrepares: one `IsCommitted` prepare per event;
 * AllReader: `new CommitEventRecord(eventRecord, prepare.LogPosition)`). But the checkpoints a
 * filtered subscription sends while catching up are NOT event positions: they are page boundaries
 * `TFPos(postPositionOfLastRecord, 0)` (AllReader's `nextPos`, Enumerator.AllSubscriptionFiltered's
 * `checkpoint = completed.CurrentPos`). Mapping {c, 0} to `c` would make a checkpoint indistinguishable
 * from an event at c (resuming "after c" would skip that event), and mapping it to `c - 1` would hand
 * the server a commit position that is not the start of a record when resuming — it reads the
 * transaction file from that offset. The extra bit keeps both exact and reversible, and keeps the order:
 * {p,p} < {c,0} ⇔ p < c ⇔ 2p+1 < 2c.
 *
 * Limits:
 * - Events committed by an explicit transaction (legacy TCP API, gone since 24.10) or written by
 *   pre-20 servers have commit > prepare, and several share one commit position: one bigint cannot
 *   order them. The adapter refuses them (UnsupportedPositionError) instead of mis-ordering history;
 *   $-prefixed system events are dropped before this check, so only user data from such writers trips it.
 * - A position between records decodes as {c, 0}; a checkpoint {c, q} with 0 < q < c (never produced by
 *   current servers) would come back as {c, 0}, which selects exactly the same events.
 * - The bigint is not the raw log offset an operator sees in the admin UI: commit = position >> 1.
 */
import type { Position } from '@eventstore/db-client';
import { START } from '../event-store';

/** Position.End / "no position" on the wire (Position.FromInt64(-1, -1) is ulong.MaxValue). */
const LOG_POSITION_LIMIT = 2n ** 63n;

export class UnsupportedPositionError extends Error {
  constructor(readonly esdbPosition: Position | undefined) {
    super(
      esdbPosition
        ? `EventStoreDB position {commit: ${esdbPosition.commit}, prepare: ${esdbPosition.prepare}} ` +
            'belongs to an explicit transaction (commit != prepare); the ledger cannot order it on one bigint'
        : 'EventStoreDB returned an event without a position',
    );
    this.name = 'UnsupportedPositionError';
  }
}

/** The port position of an event; throws for events that are not self-committed. */
export function encodeEventPosition(position: Position | undefined): bigint {
  if (!position || position.commit !== position.prepare || position.commit >= LOG_POSITION_LIMIT) {
    throw new UnsupportedPositionError(position);
  }
  return 2n * position.commit + 1n;
}

/**
 * The port position of a checkpoint, or undefined when the server sent "End" (it does so when a
 * filtered catch-up from the start found nothing to send: TFPos(-1,-1) → ulong.MaxValue), which is
 * not a place anyone can resume from.
 */
export function encodeCheckpoint(position: Position): bigint | undefined {
  if (position.commit >= LOG_POSITION_LIMIT || position.prepare > position.commit) return undefined;
  if (position.commit === 0n) return START; // the start of the log ({0,0} is no record)
  return position.prepare === position.commit ? 2n * position.commit + 1n : 2n * position.commit;
}

/** The EventStoreDB position to resume from, exclusively, for a port position; 'start' for START. */
export function decodePosition(position: bigint): Position | 'start' {
  if (position < 0n) throw new RangeError(`negative position ${position}`);
  if (position === START) return 'start';
  const commit = position >> 1n;
  return position % 2n === 1n ? { commit, prepare: commit } : { commit, prepare: 0n };
}

/** EventStoreDB's own order on positions (commit first, then prepare). */
export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  return a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;
}
