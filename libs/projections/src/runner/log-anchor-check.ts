import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { SqliteEventStore } from '@ledger/event-store/sqlite';

export type LogCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether these read models were made from this log, judged by their ANCHOR (the last event they
 * applied, position and id, written in the batch's transaction):
 * - the anchor is past the log's head (an older copy of the log restored under them), or
 * - the log has no event at the anchor's position, or another one (another log altogether), or
 * - the log has an event after the anchor but not after every checkpoint (the log went on
 *   differently from where they stood: they would skip that event).
 * Not so: every projection must be rebuilt.
 *
 * A checkpoint past the log's head is NOT such proof by itself: on EventStoreDB checkpoints also
 * move on the subscription's own checkpoints (page boundaries, system events), which lie after the
 * last USER event, while `headPosition()` skips trailing system events.
 *
 * Read models with checkpoints but no anchor (files from before the anchor was kept) are trusted,
 * except on the SQLite log, whose positions are dense and all user events: there a checkpoint past
 * the head can only mean a foreign or older log.
 */
export async function readModelsFollowLog(
  store: EventStore,
  positions: ReadonlyMap<string, bigint>,
  anchor: { readonly position: bigint; readonly eventId: string } | undefined,
): Promise<LogCheck> {
  const furthest = [...positions].reduce<[string, bigint] | undefined>(
    (max, entry) => (max === undefined || entry[1] > max[1] ? entry : max),
    undefined,
  );
  if (furthest === undefined || furthest[1] === 0n) return { ok: true };
  const head = await store.headPosition();
  if (anchor === undefined || anchor.position === 0n) {
    if (store instanceof SqliteEventStore && furthest[1] > head)
      return {
        ok: false,
        reason: `projection "${furthest[0]}" is at position ${furthest[1]}, past the log's head ${head}`,
      };
    return { ok: true };
  }
  if (anchor.position > head)
    return {
      ok: false,
      reason: `the read models' last event (position ${anchor.position}, id ${anchor.eventId}) is past the log's head ${head}`,
    };
  let events: RecordedEvent[];
  try {
    events = await store.readAll({ fromPosition: anchor.position - 1n, maxCount: 2 });
  } catch {
    // The log cannot be read from there now: nothing to compare with (the runner reports the log).
    return { ok: true };
  }
  const [event, next] = events;
  if (event === undefined || event.position !== anchor.position || event.id !== anchor.eventId)
    return {
      ok: false,
      reason: `the read models' last event (position ${anchor.position}, id ${anchor.eventId}) is not the log's (${event === undefined ? 'none' : `position ${event.position}, id ${event.id}`})`,
    };
  if (next !== undefined && next.position <= furthest[1])
    return {
      ok: false,
      reason: `the log has an event at position ${next.position} (id ${next.id}) after the read models' last event (position ${anchor.position}) that projection "${furthest[0]}", at position ${furthest[1]}, never applied`,
    };
  return { ok: true };
}
