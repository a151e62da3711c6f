import type { EventStore, RecordedEvent } from '@ledger/event-store';

export type LogCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether these read models were made from this log: no checkpoint past its head, and the last
 * event they applied (`anchor`) is the log's event at that position. Not so (an older events file
 * restored under newer read models, another data dir's file): every projection must be rebuilt.
 */
export async function readModelsFollowLog(
  store: EventStore,
  positions: ReadonlyMap<string, bigint>,
  anchor: { readonly position: bigint; readonly eventId: string } | undefined,
): Promise<LogCheck> {
  const head = await store.headPosition();
  const ahead = [...positions].find(([, position]) => position > head);
  if (ahead !== undefined)
    return {
      ok: false,
      reason: `projection "${ahead[0]}" is at position ${ahead[1]}, past the log's head ${head}`,
    };
  if (anchor === undefined || anchor.position === 0n) return { ok: true };
  let event: RecordedEvent | undefined;
  try {
    [event] = await store.readAll({ fromPosition: anchor.position - 1n, maxCount: 1 });
  } catch {
    // An engine that cannot read from just before that position: the head check stands alone.
    return { ok: true };
  }
  if (event === undefined || event.position !== anchor.position || event.id !== anchor.eventId)
    return {
      ok: false,
      reason: `the read models' last event (position ${anchor.position}, id ${anchor.eventId}) is not the log's (${event === undefined ? 'none' : `position ${event.position}, id ${event.id}`})`,
    };
  return { ok: true };
}
