// Child process of sqlite-crash.spec.ts, killed with SIGKILL at random moments.
// Run: node --require ./test/support/register-ts.js test/crash/crash-writer.ts <db> <writer> <pending.json> <seed>
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
// Deep imports: the package index also loads the EventStoreDB client, which a crash child does not need.
import { EventToAppend, StreamNotFoundError } from '@ledger/event-store/event-store';
import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { BatchMark, CrashLine, Intent } from './crash-protocol';
import { seededRandom } from './seeded-random';

const STREAMS_PER_WRITER = 24;
const MAX_BATCH = 5;

const [dbPath, writer, pendingPath, seedText] = process.argv.slice(2);
const random = seededRandom(Number(seedText));

// Pipes are synchronous on Linux: once this returns, the line is the parent's even if we are killed.
const print = (line: CrashLine) => process.stdout.write(`${JSON.stringify(line)}\n`);

function eventsOf(intent: Intent): EventToAppend[] {
  return intent.ids.map((id, index) => {
    const mark: BatchMark = { batchId: intent.batchId, batchSize: intent.ids.length, index };
    return {
      id,
      type: 'CrashTested',
      data: { writer, payload: 'x'.repeat(64 + index) },
      metadata: { ...mark },
    };
  });
}

async function perform(intent: Intent): Promise<bigint> {
  print({ kind: 'intent', intent });
  const expectedRevision = intent.expected === 'no_stream' ? 'no_stream' : BigInt(intent.expected);
  const result = await store.appendToStream(intent.stream, eventsOf(intent), { expectedRevision });
  const ack = {
    batchId: intent.batchId,
    stream: intent.stream,
    revision: result.nextExpectedRevision.toString(),
    position: result.position.toString(),
  };
  print({ kind: 'ack', ack });
  return result.nextExpectedRevision;
}

async function headOf(stream: string): Promise<bigint | undefined> {
  try {
    const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
    return last.revision;
  } catch (error) {
    if (error instanceof StreamNotFoundError) return undefined;
    throw error;
  }
}

async function writeForever(stream: string): Promise<never> {
  let head = await headOf(stream);
  for (;;) {
    const size = 1 + Math.floor(random() * MAX_BATCH);
    const ids = Array.from({ length: size }, () => randomUUID());
    const expected = head === undefined ? 'no_stream' : head.toString();
    head = await perform({ batchId: randomUUID(), stream, expected, ids });
  }
}

const store = new SqliteEventStore({ path: dbPath });

async function main(): Promise<void> {
  print({ kind: 'open' });
  // Appends in flight when the previous writer died: retried with the same ids and expected
  // revision, each must succeed, as a replay if it had committed, as a fresh append if not.
  const pending = JSON.parse(readFileSync(pendingPath, 'utf8')) as Intent[];
  await Promise.all(pending.map(perform));
  print({ kind: 'ready', retried: pending.length });
  const streams = Array.from({ length: STREAMS_PER_WRITER }, (_, i) => `crash-${writer}-${i}`);
  await Promise.all(streams.map(writeForever));
}

main().catch((error: unknown) => {
  print({
    kind: 'fail',
    message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  });
  process.exit(1);
});
