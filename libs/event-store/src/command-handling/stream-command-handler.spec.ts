/**
 * Two writers (two nodes) on one log decide the same command on the same state: byte-identical
 * events with identical (content-addressed) ids. The one that appends second must learn that the
 * events are not its own, read the log, and answer the recorded outcome — never take the other's
 * append for its own. On SQLite the store reports the replay; on EventStoreDB (the gRPC double,
 * answering like the server) it cannot, and the handler's per-writer ids make it a version conflict.
 */
import { createHash } from 'node:crypto';
import { startEsdbDouble, type EsdbDouble } from '../../../../test/support/esdb-double/esdb-double';
import { EsdbEventStore } from '../esdb/esdb-event-store';
import type { EventStore } from '../event-store';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { StreamCommandHandler, type LoadedStream, type StreamDecision } from './stream-command-handler';

interface Done {
  readonly keys: ReadonlySet<string>;
}
type Outcome = { readonly kind: 'done' } | { readonly kind: 'replay'; readonly revision: bigint };

const handlerOn = (store: EventStore) =>
  new StreamCommandHandler<Done>(store, {
    initialState: () => ({ keys: new Set() }),
    fold: (state, events) => ({
      keys: new Set([...state.keys, ...events.map((e) => (e.data as { key: string }).key)]),
    }),
  });

/** A keyed command: the same key and content always give the same id (as the ledger's ids do). */
const run =
  (key: string) =>
  (loaded: LoadedStream<Done>): StreamDecision<Outcome> => {
    if (loaded.state.keys.has(key)) {
      return { events: [], result: { kind: 'replay', revision: loaded.revision as bigint } };
    }
    const id = createHash('sha256').update(key).digest('hex');
    const uuid = `${id.slice(0, 8)}-${id.slice(8, 12)}-5${id.slice(13, 16)}-8${id.slice(17, 20)}-${id.slice(20, 32)}`;
    return { events: [{ id: uuid, type: 'Done', data: { key } }], result: { kind: 'done' } };
  };

describe.each([
  ['SQLite (reports the replay)', 'sqlite'],
  ['EventStoreDB double (cannot tell: writers keep their ids apart)', 'esdb'],
] as const)('StreamCommandHandler, two writers on one log: %s', (_name, engine) => {
  let double: EsdbDouble | undefined;
  let stores: EventStore[];

  beforeEach(async () => {
    if (engine === 'sqlite') {
      const store = new SqliteEventStore({ path: ':memory:' });
      stores = [store, store];
    } else {
      double = await startEsdbDouble();
      const url = double.connectionString;
      stores = [new EsdbEventStore(url, { contentAddressedIds: true }), new EsdbEventStore(url)];
    }
  });
  afterEach(async () => {
    await Promise.all([...new Set(stores)].map((s) => s.close()));
    await double?.stop();
  });

  it('answers a command the other writer appended meanwhile with its recorded outcome, and caches the log', async () => {
    const [a, b] = [handlerOn(stores[0]), handlerOn(stores[1])];
    await a.handle('s', run('open'));
    await b.load('s');
    // A decides on revision 0 (cached); B appends the same command first.
    const first = await b.handle('s', run('k1'));
    expect(first).toMatchObject({ result: { kind: 'done' }, attempts: 1 });
    expect(first.appended?.replayed).toBeUndefined();

    const retried = await a.handle('s', run('k1'));

    expect(retried.result).toEqual({ kind: 'replay', revision: 1n });
    expect(retried.appended).toBeUndefined();
    expect(retried.stream.revision).toBe(1n);
    const log = await stores[0].readStream('s');
    expect(log.map((e) => e.data)).toEqual([{ key: 'open' }, { key: 'k1' }]);
    // A's cache is the log: its next command is decided on revision 1 and appended at 2, first try.
    const next = await a.handle('s', run('k2'));
    expect(next).toMatchObject({
      result: { kind: 'done' },
      attempts: 1,
      appended: { nextExpectedRevision: 2n },
    });
    if (engine === 'sqlite') {
      // The store said "already stored": not a conflict, one read, one new decision.
      expect(retried).toMatchObject({ attempts: 1, replayedAppends: 1 });
    } else {
      // Writer-specific ids: the stale append was a version conflict, then the same new decision.
      expect(retried).toMatchObject({ attempts: 2 });
      expect(retried.replayedAppends).toBeUndefined();
      const callers = run('k1')({ state: { keys: new Set() }, revision: 'no_stream' }).events[0].id;
      expect(log[1].id).not.toBe(callers);
    }
  });

  it("stores the caller's ids where the store reports replays, else ids stable per writer and apart between writers", async () => {
    const [a, b] = [handlerOn(stores[0]), handlerOn(stores[1])];
    const callers = run('open')({ state: { keys: new Set() }, revision: 'no_stream' }).events[0].id;
    await a.handle('s1', run('open'));
    if (engine === 'sqlite') {
      expect((await stores[0].readStream('s1')).map((e) => e.id)).toEqual([callers]);
    } else {
      // (EventStoreDB, unlike SQLite, lets one id live in several streams.)
      await a.handle('s2', run('open'));
      await b.handle('s3', run('open'));
      const [[s1], [s2], [s3]] = await Promise.all(['s1', 's2', 's3'].map((s) => stores[0].readStream(s)));
      expect(s1.id).toBe(s2.id); // the same writer, the same decision: the same id (a re-send dedupes)
      expect(s1.id).not.toBe(callers);
      expect(s3.id).not.toBe(s1.id); // another writer: never the same id
    }
  });
});
