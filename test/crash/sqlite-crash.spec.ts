import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedEvent, SqliteEventStore } from '@ledger/event-store';
import { CrashBook, findLogProblems, runWriterUntilKilled, WriterRun } from './crash-harness';
import { seededRandom } from './seeded-random';

// kill -9 at random moments, then check the file as the next process finds it (SPEC §5).
// CRASH_CYCLES=200 for a long run; CRASH_SEED replays one (the seed is printed on failure).
const CYCLES = Number(process.env.CRASH_CYCLES ?? 15);
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31);
const WRITERS = ['w0', 'w1']; // two processes share the file, as API nodes may

describe(`SQLite store under kill -9 (seed ${SEED})`, () => {
  let dir: string;
  let dbPath: string;
  const random = seededRandom(SEED);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-crash-'));
    dbPath = join(dir, 'events.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** One cycle: every writer retries its in-flight appends, writes, and is killed; then the log is checked. */
  async function crashCycle(book: CrashBook): Promise<WriterRun[]> {
    const runs = await Promise.all(
      WRITERS.map((writer) =>
        runWriterUntilKilled(
          dbPath,
          writer,
          book.pending(writer),
          20 + random() * 300,
          Math.floor(random() * 2 ** 31),
        ),
      ),
    );
    runs.forEach((run, i) => {
      const failure = run.lines.find((line) => line.kind === 'fail');
      expect({ writer: WRITERS[i], failure, stderr: run.stderr, signal: run.signal }).toEqual({
        writer: WRITERS[i],
        failure: undefined,
        stderr: '',
        signal: 'SIGKILL',
      });
      book.record(WRITERS[i], run.lines);
    });
    return runs;
  }

  it(
    `loses no acknowledged append and shows nothing half-written, over ${CYCLES} kills`,
    async () => {
      const book = new CrashBook();
      let retried = 0;
      for (let cycle = 0; cycle < CYCLES; cycle += 1) {
        const runs = await crashCycle(book);
        retried += runs.reduce((sum, run) => sum + countRetried(run), 0);
        expect(findLogProblems(dbPath, book.acks.values())).toEqual([]);
        // The store itself reopens the crashed file and agrees with the raw check.
        const store = new SqliteEventStore({ path: dbPath });
        const head = await store.headPosition();
        expect(await store.readAll({ fromPosition: head })).toEqual([]);
        await store.close();
      }
      expect(book.acks.size).toBeGreaterThan(CYCLES * 10);
      // Kills landed mid-append: retried appends (as replays or fresh appends) all succeeded.
      expect(retried).toBeGreaterThan(0);
    },
    CYCLES * 6_000 + 30_000,
  );

  it('a subscriber in another process sees every append of crashing writers, gap-free', async () => {
    const subscriber = new SqliteEventStore({ path: dbPath, pollIntervalMs: 20 });
    const subscription = subscriber.subscribeToAll();
    const seen: RecordedEvent[] = [];
    const following = (async () => {
      for await (const item of subscription) if (item.kind === 'event') seen.push(item.event);
    })();
    const book = new CrashBook();
    for (let cycle = 0; cycle < 3; cycle += 1) await crashCycle(book);
    const head = await subscriber.headPosition();
    while (seen.length < Number(head)) await new Promise((resolve) => setTimeout(resolve, 20));
    await subscription.close();
    await following;
    expect(seen.map((e) => e.position)).toEqual(
      Array.from({ length: Number(head) }, (_, i) => BigInt(i + 1)),
    );
    expect(seen.map((e) => e.id)).toEqual((await subscriber.readAll()).map((e) => e.id));
    await subscriber.close();
    expect(findLogProblems(dbPath, book.acks.values())).toEqual([]);
  }, 60_000);
});

function countRetried(run: WriterRun): number {
  const ready = run.lines.find((line) => line.kind === 'ready');
  return ready?.kind === 'ready' ? ready.retried : 0;
}
