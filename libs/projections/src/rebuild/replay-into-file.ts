import type { EventStore } from '@ledger/event-store';
import type { StreamQuarantine } from '../read-store/quarantine-table';
import type { ReadModelDatabase } from '../read-store/read-model-database';
import type { Projection } from '../runner/projection';
import { ProjectionBatchApplier } from '../runner/projection-batch-applier';

export interface Replayed {
  readonly events: number;
  readonly position: bigint;
  readonly quarantined: readonly StreamQuarantine[];
}

/**
 * Reads the log in pages from the lowest checkpoint of `db` up to `head` and applies each page to
 * `projections` in one transaction (rows, checkpoints, quarantines together, as the runner does);
 * the last page builds the secondary indexes of those replayed from 0.
 */
export async function replayIntoFile(
  db: ReadModelDatabase,
  store: EventStore,
  projections: readonly Projection[],
  head: bigint,
  pageSize: number,
  onPage?: (position: bigint, events: number) => void,
): Promise<Replayed> {
  const applier = new ProjectionBatchApplier(db, projections);
  let events = 0;
  for (;;) {
    const fromPosition = applier.readFrom();
    const page = fromPosition >= head ? [] : await store.readAll({ fromPosition, maxCount: pageSize });
    const inRange =
      page.length > 0 && page[page.length - 1].position > head
        ? page.filter((e) => e.position <= head)
        : page;
    const upTo = inRange.length > 0 ? inRange[inRange.length - 1].position : fromPosition;
    const last = inRange.length < pageSize || upTo >= head;
    applier.apply(inRange, upTo, last, fromPosition);
    events += inRange.length;
    onPage?.(applier.minPosition(), inRange.length);
    if (last) return { events, position: applier.minPosition(), quarantined: applier.quarantined() };
  }
}
