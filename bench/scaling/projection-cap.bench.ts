import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { LedgerReadSide } from '@ledger/projections';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Figure } from '../bench-report';
import { sampleCpu } from '../http/cpu-usage';
import type { LogWriterData } from './log-writer';

/** How often the bench samples the log's head and the projections' progress. */
const SAMPLE_MS = 250;

interface Sample {
  readonly at: number;
  readonly head: number;
  readonly applied: number;
  /** CPU time of this process's main thread (the projecting one) so far, in ms; 0 where there is no /proc. */
  readonly cpuMs: number;
}

const projectingThreadMs = () => sampleCpu(process.pid)?.mainMs ?? 0;

/**
 * One node's live projection rate — today the cap of the whole cluster's read side, since every API
 * node projects every event. A writer thread appends to a SQLite log as fast as it can while the
 * node's projection runner (the four read models, default batch sizes, polling the log every 5 ms
 * as the server's worker does) follows it. Measured from the moment the log holds a tenth of the
 * events to the moment the writer stops; if the projections' lag grew over that window they were
 * saturated and the figure is their cap, otherwise it is the writer's rate (a lower bound).
 */
export async function benchProjectionCap(events: number): Promise<Figure[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-bench-cap-'));
  const eventsPath = path.join(dir, 'events.sqlite');
  // The writer creates the schema; the reader opens the same file once it exists.
  await new SqliteEventStore({ path: eventsPath }).close();
  const store = new SqliteEventStore({ path: eventsPath, pollIntervalMs: 5 });
  let applied = 0;
  const readSide = LedgerReadSide.open({
    store,
    databasePath: path.join(dir, 'read-models.sqlite'),
    onCommit: (progress) => (applied += progress.events),
  });
  try {
    readSide.start();
    const writer = startWriter({ eventsPath, events });
    const samples: Sample[] = [];
    let written: { head: number; seconds: number } | undefined;
    const writing = new Promise<void>((resolve, reject) => {
      writer.once('message', (message: { head: number; seconds: number }) =>
        resolve(void (written = message)),
      );
      writer.once('error', reject);
    });
    while (written === undefined) {
      samples.push({
        at: performance.now(),
        head: Number(await store.headPosition()),
        applied,
        cpuMs: projectingThreadMs(),
      });
      await Promise.race([writing, new Promise((resolve) => setTimeout(resolve, SAMPLE_MS))]);
    }
    const end: Sample = { at: performance.now(), head: written.head, applied, cpuMs: projectingThreadMs() };
    await writer.terminate();
    return capFigures(samples, end, events, written.seconds);
  } finally {
    await readSide.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function capFigures(
  samples: readonly Sample[],
  end: Sample,
  events: number,
  writerSeconds: number,
): Figure[] {
  const start = samples.find((s) => s.head >= events / 10) ?? samples[0];
  const seconds = (end.at - start.at) / 1000;
  const rate = (end.applied - start.applied) / seconds;
  const lagStart = start.head - start.applied;
  const lagEnd = end.head - end.applied;
  const saturated = lagEnd > lagStart;
  const cpuUs = ((end.cpuMs - start.cpuMs) * 1000) / (end.applied - start.applied);
  const cpu: Figure[] =
    end.cpuMs === 0
      ? []
      : [
          {
            name: 'projection_live_cpu_us',
            value: Math.round(cpuUs * 10) / 10,
            unit: 'µs/event',
            note: `CPU of the projecting thread per event applied during projection_live_events_per_s (from /proc; unlike the rate, not lowered by other processes taking the cores): one node's projection cost per event, the input of bench/scaling/simulate.ts; ≤ ${Math.round(1e6 / cpuUs)} events/s on a core of its own`,
          },
        ];
  const live: Figure = {
    name: 'projection_live_events_per_s',
    value: Math.round(rate),
    unit: 'events/s',
    note: `one node's live projection rate (the four read models, the server worker's defaults) while a writer thread grows a SQLite log to ${end.head} events at ${Math.round(end.head / writerSeconds)} events/s; measured over ${seconds.toFixed(1)} s from a tenth of the log to the writer's end, lag ${lagStart} → ${lagEnd} events (${saturated ? 'growing: saturated, this is the cap' : 'not growing: writer-bound, the cap is higher'}); ${(1e6 / rate).toFixed(1)} µs an event. Every API node projects every event, so this is the cluster's read-side cap today`,
  };
  return [live, ...cpu];
}

/** The writer thread: compiled .js beside this file, or the .ts through the tests' transpile hook. */
function startWriter(data: LogWriterData): Worker {
  const js = path.join(__dirname, 'log-writer.js');
  if (fs.existsSync(js)) return new Worker(js, { workerData: data });
  const hook = path.resolve(__dirname, '..', '..', 'test', 'support', 'register-ts.js');
  return new Worker(path.join(__dirname, 'log-writer.ts'), {
    workerData: data,
    execArgv: ['--require', hook],
  });
}
