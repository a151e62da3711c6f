import { LedgerReadSide, reportOf } from '@ledger/projections';
import { parentPort, workerData } from 'node:worker_threads';
import {
  positionsOf,
  type FromWorker,
  type ProjectionWorkerData,
  type ToWorker,
} from './projection-worker-protocol';
import { openWorkerStore } from './worker-entry';

/**
 * The server's projection runner, on its own thread: its own connections to the log and to the
 * read-model file, so applying events never holds up a request. It reports every commit's
 * positions to the server's thread, which answers `?minPosition=` and queries the file.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('projection-worker.ts runs as a worker thread');
  const data = workerData as ProjectionWorkerData;
  const post = (message: FromWorker) => port.postMessage(message);
  const store = openWorkerStore(data);
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
    onError: (error, failure) =>
      post({
        kind: 'log',
        level: 'error',
        message: `projection runner: ${error.message}`,
        stack: error.stack,
        ...(failure === undefined ? {} : { failure: reportOf(failure) }),
      }),
    onFailuresChanged: (failures) => post({ kind: 'failures', failures: failures.map(reportOf) }),
    onSetAside: (message) => post({ kind: 'log', level: 'warn', message: `read models: ${message}` }),
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
  const notFromLog = await readSide.rebuildIfNotFromLog();
  if (notFromLog !== undefined)
    post({ kind: 'log', level: 'warn', message: `read models rebuilt from the log: ${notFromLog}` });
  post({
    kind: 'ready',
    rebuiltOnOpen: readSide.rebuiltOnOpen,
    positions: positionsOf(readSide.runner.positions()),
  });
}

void main();
