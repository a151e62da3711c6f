import { parseIsoInstant } from '@ledger/domain';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import type { Clock } from './clock';

/** The ledger time an event records (`data.recordedAt`, epoch ms), or undefined for one without. */
export function ledgerTimeOf(event: { readonly data: unknown }): number | undefined {
  const recordedAt = (event.data as { recordedAt?: unknown } | null)?.recordedAt;
  if (typeof recordedAt !== 'string') return undefined;
  return parseIsoInstant(recordedAt) ?? undefined;
}

/**
 * At startup: a clock behind the log's head (a simulated clock restarted at LEDGER_CLOCK_START, a
 * system clock stepped back) continues from the head's ledger time. LEDGER_CLOCK_START only sets
 * the start of a fresh log. One read of the last event.
 */
export async function raiseClockToLog(clock: Clock, store: EventStore): Promise<void> {
  const head = await store.headPosition();
  if (head === 0n) return;
  // Positions are exclusive: reading after head - 1 yields the event at head (on both engines).
  const [last]: RecordedEvent[] = await store.readAll({ fromPosition: head - 1n, maxCount: 1 });
  const time = last === undefined ? undefined : ledgerTimeOf(last);
  if (time !== undefined) clock.raiseTo?.(time);
}
