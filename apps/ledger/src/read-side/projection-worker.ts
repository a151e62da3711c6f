import type { EventStore } from '@ledger/event-store';
import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { LedgerReadSide } from '@ledger/projections';
import { parentPort, workerData } from 'node:worker_threads';
import {
  positionsOf,
  type FromWorker,
  type ProjectionWorkerData,
  type ToWorker,
} from './projection-worker-protocol';

/**
 * The server's projection runner, on its own thread: its own connections to the log and to the
 * read-model file, so applying events never holds up a request. It reports every commit's
 * positions to the server's thread, which answers `?minPosition=` and queries the file.
 */
function main(): void {
  const port = parentPort;
  if (port === null) throw new Error('projection-worker.ts runs as a worker thread');
  const data = workerData as ProjectionWorkerData;
  const post = (message: FromWorker) => port.postMessage(message);
  const store = openStore(data);
  const readSide = LedgerReadSide.open({
    store,
    databasePath: data.databasePath,
    onCommit: (progress) =>
      post({
        kind: 'commit',
        positions: positionsOf(progress.positions),
        events: progress.events,
        durationMs: progress.durationMs,
      }),
    onError: (error) => {
      post({
        kind: 'log',
        level: 'error',
        message: `projection runner: ${error.message}`,
        stack: error.stack,
      });
      const failure = readSide.runner.status().failure;
      if (failure !== undefined) post({ kind: 'failed', message: failure.message });
    },
    onReread: (reason) =>
      post({
        kind: 'log',
        level: 'warn',
        message: `projection runner: reading the log again: ${reason.message}`,
      }),
  });
  const done = (id: number, error?: unknown) =>
    post({
      kind: 'done',
      id,
      positions: positionsOf(readSide.runner.positions()),
      ...(error === undefined ? {} : { error: (error as Error).message }),
    });
  port.on('message', (message: ToWorker) => {
    const run = async (): Promise<void> => {
      switch (message.kind) {
        case 'start':
          return readSide.start();
        case 'stop':
          return readSide.runner.stop();
        case 'pause':
          return readSide.runner.pause();
        case 'resume':
          return readSide.runner.resume();
        case 'rebuild':
          return readSide.rebuild(message.names);
        case 'close':
          await readSide.close();
          await store.close();
          return;
      }
    };
    run().then(
      () => done(message.id),
      (error: unknown) => done(message.id, error),
    );
  });
  post({
    kind: 'ready',
    rebuiltOnOpen: readSide.rebuiltOnOpen,
    positions: positionsOf(readSide.runner.positions()),
  });
}

function openStore(data: ProjectionWorkerData): EventStore {
  if (data.eventStoreConnectionString !== undefined) {
    const { EsdbEventStore } = loadEsdbAdapter();
    return new EsdbEventStore(data.eventStoreConnectionString);
  }
  if (data.eventsPath === undefined) throw new Error('projection worker: no event store given');
  // Polls the file every few ms for the appends of the server's thread (another connection).
  return new SqliteEventStore({ path: data.eventsPath, pollIntervalMs: 5 });
}

/**
 * Loaded only for EventStoreDB: the gRPC client takes a while to load, and the SQLite worker should
 * be ready as fast as the server.
 */
function loadEsdbAdapter(): typeof import('@ledger/event-store/esdb') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@ledger/event-store/esdb') as typeof import('@ledger/event-store/esdb');
}

main();
