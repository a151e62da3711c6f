import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventToAppend, RecordedEvent, WrongExpectedVersionError } from '../event-store';
import { DuplicateEventIdError } from './duplicate-event-id-error';
import { SqliteEventStore } from './sqlite-event-store';

// SQLite specifics the engine-neutral contract (test/contract) cannot state.
describe('SqliteEventStore', () => {
  let dir: string;
  const open: SqliteEventStore[] = [];
  const openStore = (options: { maxBatchEvents?: number; path?: string } = {}) => {
    const store = new SqliteEventStore({ path: join(dir, 'events.db'), ...options });
    open.push(store);
    return store;
  };

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'))));
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the appends of one tick in one transaction, and bounds the batch', async () => {
    const store = openStore({ maxBatchEvents: 40 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => append(store, `s-${i}`, [event()])));
    expect(store.stats).toEqual({ transactions: 3, appends: 100 });
  });

  it('rejects only the failing appends of a batch, and keeps positions gap-free', async () => {
    const store = openStore();
    const taken = event();
    await append(store, 'taken', [taken]);
    const outcomes = await Promise.allSettled([
      append(store, 'a', [event()]),
      append(store, 'b', [event(), taken, event()]), // fails on its 2nd event: the 1st is rolled back
      append(store, 'c', [event(), event()]),
      append(store, 'a', [event()], 5n),
      append(store, 'd', [event()]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventIdError);
    expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
    expect(store.stats.transactions).toBe(2);
    const all = await store.readAll();
    expect(all.map((e) => e.position)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(all.map((e) => e.streamName)).toEqual(['taken', 'a', 'c', 'c', 'd']);
  });

  it('sees stream heads written earlier in the same batch', async () => {
    const store = openStore();
    const [first, second, third] = await Promise.allSettled([
      append(store, 's', [event()], 'no_stream'),
      append(store, 's', [event()], 0n),
      append(store, 's', [event()], 'no_stream'),
    ]);
    expect([first.status, second.status, third.status]).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((third as PromiseRejectedResult).reason).toMatchObject({ actual: 1n });
  });

  it('refuses an event id already stored in another stream', async () => {
    const store = openStore();
    const shared = event();
    await append(store, 'one', [shared]);
    await expect(append(store, 'two', [shared])).rejects.toBeInstanceOf(DuplicateEventIdError);
    await expect(store.readStream('two')).rejects.toThrow('not found');
  });

  it('treats a retry that raced its original in the same batch as a replay', async () => {
    const store = openStore();
    const events = [event(), event()];
    const [original, retry] = await Promise.all([append(store, 's', events), append(store, 's', events)]);
    expect(original.replayed).toBeUndefined();
    expect(retry).toEqual({ ...original, replayed: true });
    expect(await store.readStream('s')).toHaveLength(2);
  });

  it('refuses what it cannot store, without failing the other appends', async () => {
    const store = openStore();
    const good = append(store, 'good', [event()]);
    await expect(append(store, 'bad', [])).rejects.toBeInstanceOf(RangeError);
    await expect(append(store, 'bad', [{ ...event(), data: { n: 1n } }])).rejects.toBeInstanceOf(TypeError);
    await expect(append(store, 'bad', [event()], -1n)).rejects.toBeInstanceOf(RangeError);
    await expect(good).resolves.toMatchObject({ nextExpectedRevision: 0n });
  });

  it('keeps everything across a reopen, and continues positions', async () => {
    const first = openStore();
    await append(first, 's', [event(), event()]);
    await first.close();
    const second = openStore();
    await append(second, 's', [event()], 1n);
    expect((await second.readAll()).map((e) => [e.position, e.revision])).toEqual([
      [1n, 0n],
      [2n, 1n],
      [3n, 2n],
    ]);
  });

  it('delivers appends made through another connection to the file (another process) by polling', async () => {
    const reader = openStore();
    const writer = openStore();
    const subscription = reader.subscribeToAll();
    const seen: RecordedEvent[] = [];
    const done = (async () => {
      for await (const item of subscription) {
        if (item.kind === 'event') seen.push(item.event);
        if (seen.length === 3) await subscription.close();
      }
    })();
    await append(writer, 'elsewhere', [event(), event()]);
    await append(writer, 'elsewhere', [event()], 1n);
    await done;
    expect(seen.map((e) => e.position)).toEqual([1n, 2n, 3n]);
  });

  it('works in memory for unit tests', async () => {
    const store = openStore({ path: ':memory:' });
    await append(store, 's', [event()]);
    expect(await store.headPosition()).toBe(1n);
  });
});

function event(): EventToAppend {
  return { id: randomUUID(), type: 'Happened', data: { at: 1 } };
}

function append(
  store: SqliteEventStore,
  stream: string,
  events: EventToAppend[],
  expectedRevision: bigint | 'no_stream' = 'no_stream',
) {
  return store.appendToStream(stream, events, { expectedRevision });
}
