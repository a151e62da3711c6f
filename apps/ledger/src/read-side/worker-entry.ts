import type { Worker } from 'node:worker_threads';
import type { EventStore } from '@ledger/event-store';
import { SqliteEventStore, startWorkerScript } from '@ledger/event-store/sqlite';

/** Where a worker thread finds the log: the embedded file, or the EventStoreDB connection string. */
export interface WorkerLogLocation {
  readonly eventsPath?: string;
  readonly eventStoreConnectionString?: string;
}

/**
 * Starts the worker script `<dir>/<name>.js` (compiled), or from the sources `<name>.ts` through
 * the same transpile-only hook the tests' servers use (the event store's writer thread starts the same way).
 */
export function startWorker(dir: string, name: string, workerData: unknown): Worker {
  return startWorkerScript(dir, name, workerData);
}

/** A worker's own connection to the log (never the request thread's). */
export function openWorkerStore(location: WorkerLogLocation): EventStore {
  if (location.eventStoreConnectionString !== undefined) {
    const { EsdbEventStore } = loadEsdbAdapter();
    return new EsdbEventStore(location.eventStoreConnectionString);
  }
  if (location.eventsPath === undefined) throw new Error('worker: no event store given');
  // Polls the file every few ms for the appends of the server's thread (another connection).
  return new SqliteEventStore({ path: location.eventsPath, pollIntervalMs: 5 });
}

/** Loaded only for EventStoreDB: the gRPC client takes a while to load, and a SQLite worker should start fast. */
function loadEsdbAdapter(): typeof import('@ledger/event-store/esdb') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@ledger/event-store/esdb') as typeof import('@ledger/event-store/esdb');
}
