import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { writeSyntheticLog } from '../projections.bench';

/** What the projection-cap bench asks of its writer thread. */
export interface LogWriterData {
  readonly eventsPath: string;
  readonly events: number;
}

/**
 * The writer of the projection-cap bench, on its own thread with its own connection to the log, as
 * the server's request thread is to its projection worker: appends the projections bench's
 * synthetic events (opens, purchases, usage with and without overage over 10,000 accounts) as fast
 * as the store takes them, then says how many it wrote.
 */
async function main(): Promise<void> {
  const { eventsPath, events } = workerData as LogWriterData;
  const store = new SqliteEventStore({ path: eventsPath });
  const started = performance.now();
  await writeSyntheticLog(store, events, 0);
  const seconds = (performance.now() - started) / 1000;
  const head = await store.headPosition();
  await store.close();
  parentPort?.postMessage({ head: Number(head), seconds });
}

if (parentPort !== null) void main();
