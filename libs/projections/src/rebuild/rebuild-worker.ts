import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { LEDGER_PROJECTIONS } from '../ledger-projections';
import { openFreshFile } from './fresh-read-model-file';
import { replayIntoFile } from './replay-into-file';

/** What the rebuild's thread is given: its share of the projections, and its own file. */
export interface RebuildWorkerData {
  readonly eventsPath: string;
  readonly file: string;
  readonly projections: readonly string[];
  readonly head: string;
  readonly pageSize: number;
}

export type FromRebuildWorker =
  | { readonly kind: 'page'; readonly position: string; readonly events: number }
  | { readonly kind: 'done'; readonly events: number }
  | { readonly kind: 'failed'; readonly message: string; readonly stack?: string };

/**
 * One thread of a parallel rebuild: its projections replayed from the log (its own read connection)
 * into its own fresh file, which the rebuild's main thread then merges (see rebuildReadModelFile).
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('rebuild-worker.ts runs as a worker thread');
  const data = workerData as RebuildWorkerData;
  const post = (message: FromRebuildWorker) => port.postMessage(message);
  const store = new SqliteEventStore({ path: data.eventsPath });
  try {
    const db = openFreshFile(data.file);
    try {
      const projections = LEDGER_PROJECTIONS.filter((p) => data.projections.includes(p.name));
      const replayed = await replayIntoFile(
        db,
        store,
        projections,
        BigInt(data.head),
        data.pageSize,
        (position, events) => post({ kind: 'page', position: position.toString(), events }),
      );
      db.close();
      post({ kind: 'done', events: replayed.events });
    } finally {
      if (db.open) db.close();
    }
  } catch (error) {
    post({ kind: 'failed', message: (error as Error).message, stack: (error as Error).stack });
  } finally {
    await store.close();
  }
}

void main();
