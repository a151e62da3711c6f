import { LEDGER_PROJECTIONS, openReadModelDatabase, verifyProjections } from '@ledger/projections';
import { parentPort, workerData } from 'node:worker_threads';
import { openWorkerStore } from '../read-side/worker-entry';
import type { FromVerifyWorker, ToVerifyWorker, VerifyWorkerData } from './verify-worker-protocol';

/**
 * One verification, on its own thread with its own connections (the log, the live read-model file,
 * the replay's temporary file): replaying a large log and comparing every row takes seconds of CPU
 * that must not hold up requests. The live positions, and pausing the runner, are asked of the
 * request thread, which knows the runner.
 */
async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('verify-worker.ts runs as a worker thread');
  const data = workerData as VerifyWorkerData;
  const post = (message: FromVerifyWorker) => port.postMessage(message);
  const asked = new Map<number, (positions: ReadonlyMap<string, bigint>) => void>();
  let nextId = 1;
  port.on('message', (message: ToVerifyWorker) => {
    const answer = asked.get(message.id);
    asked.delete(message.id);
    answer?.(new Map(message.positions.map(([name, position]) => [name, BigInt(position)])));
  });
  const store = openWorkerStore(data);
  const live = openReadModelDatabase(data.databasePath);
  try {
    const report = await verifyProjections({
      store,
      live: {
        db: live,
        positions: () =>
          new Promise((resolve) => {
            const id = nextId++;
            asked.set(id, resolve);
            post({ kind: 'positions?', id });
          }),
        pause: () => post({ kind: 'pause' }),
        resume: () => post({ kind: 'resume' }),
      },
      projections: LEDGER_PROJECTIONS,
      maxMismatches: data.maxMismatches,
      onProgress: (progress) => post({ kind: 'progress', progress }),
    });
    post({ kind: 'done', report });
  } catch (error) {
    post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
  } finally {
    live.close();
    await store.close();
    port.close();
  }
}

void main();
