/**
 * What the EventStoreDB adapter makes of a cluster's faults, through the real client against the
 * protocol double: leader-only calls, deadlines, and the port errors the HTTP layer answers 503
 * (StoreUnavailableError), or names (StreamDeletedError, AppendTooLargeError).
 */
import { EventStoreDBClient } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import {
  startEsdbDouble,
  type EsdbDouble,
  type EsdbDoubleOptions,
} from '../../../../test/support/esdb-double/esdb-double';
import {
  AppendTooLargeError,
  StoreUnavailableError,
  StreamDeletedError,
  type SubscriptionItem,
} from '../event-store';
import { EsdbEventStore } from './esdb-event-store';
import { MAX_SERVER_FAULT_RETRIES } from './esdb-subscription';

const event = (data: Record<string, unknown> = { n: 1 }, type = 'Happened') => ({
  id: randomUUID(),
  type,
  data,
});
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('EsdbEventStore faults (gRPC double)', () => {
  const doubles: EsdbDouble[] = [];
  const stores: EsdbEventStore[] = [];
  async function start(options: EsdbDoubleOptions = {}, deadlineMs = 2_000) {
    const double = await startEsdbDouble(options);
    doubles.push(double);
    return { double, store: open(double.connectionString, deadlineMs) };
  }
  function open(connectionString: string, deadlineMs = 2_000) {
    const store = new EsdbEventStore(connectionString, {
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
      readPageSize: 4,
      deadlineMs,
      leaderRetry: { attempts: 2, delayMs: 10 },
    });
    stores.push(store);
    return store;
  }
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(doubles.splice(0).map((d) => d.stop()));
  });

  it('reads and appends on the leader: connected to a follower, it never decides on its stale stream', async () => {
    const { double: leader } = await start();
    const follower = await startEsdbDouble({ follower: leader });
    doubles.push(follower);
    // The follower's own log has an old copy of the account: one event, where the leader has two.
    const seed = open(leader.connectionString);
    const first = event();
    await seed.appendToStream('acct', [first], { expectedRevision: 'no_stream' });
    await seed.appendToStream('acct', [event()], { expectedRevision: 0n });
    follower.log.append('acct', { kind: 'any' }, [
      {
        id: first.id,
        type: 'Happened',
        contentType: 'application/json',
        data: new Uint8Array(),
        customMetadata: new Uint8Array(),
      },
    ]);
    const store = open(follower.connectionString);
    expect((await store.readStream('acct')).map((e) => e.revision)).toEqual([0n, 1n]);
    await store.appendToStream('acct', [event()], { expectedRevision: 1n });
    expect(leader.log.stream('acct')).toHaveLength(3);
  });

  it('NotLeader that does not pass (an election) is a StoreUnavailableError after the bounded retries', async () => {
    const { double, store } = await start();
    double.faults.set({ kind: 'not-leader', leader: double.endpoint });
    const error = await rejection(store.appendToStream('s', [event()], { expectedRevision: 'no_stream' }));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ reason: 'not-leader' });
    expect(double.faults.injected).toBe(3);
    expect(double.log.stream('s')).toBeUndefined();
  });

  it('UNAVAILABLE on an append or a read is a StoreUnavailableError, and nothing was appended', async () => {
    const { double, store } = await start();
    double.faults.set({ kind: 'unavailable' });
    const append = await rejection(store.appendToStream('s', [event()], { expectedRevision: 'no_stream' }));
    expect(append).toMatchObject({ name: 'StoreUnavailableError', reason: 'unavailable' });
    for (const read of [store.readStream('s'), store.readAll(), store.headPosition()]) {
      expect(await rejection(read)).toMatchObject({ name: 'StoreUnavailableError', reason: 'unavailable' });
    }
    expect(double.log.stream('s')).toBeUndefined();
    double.faults.set(undefined);
    await expect(
      store.appendToStream('s', [event()], { expectedRevision: 'no_stream' }),
    ).resolves.toBeDefined();
  });

  it('a server that stopped is a StoreUnavailableError, not a hang', async () => {
    const { double, store } = await start();
    await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
    await double.stop();
    expect(await rejection(store.readStream('s'))).toBeInstanceOf(StoreUnavailableError);
    expect(await rejection(store.appendToStream('s', [event()], { expectedRevision: 0n }))).toBeInstanceOf(
      StoreUnavailableError,
    );
  });

  it('an append or a read past its deadline is a StoreUnavailableError; the retried decision replays', async () => {
    const { double, store } = await start({}, 500);
    const decision = [event()];
    double.faults.set({ kind: 'delay', ms: 1_500 }, 1);
    const append = await rejection(store.appendToStream('s', decision, { expectedRevision: 'no_stream' }));
    expect(append).toMatchObject({ name: 'StoreUnavailableError', reason: 'deadline-exceeded' });
    // Whether the late append landed or not, the same decision retried is one event in the stream.
    await store.appendToStream('s', decision, { expectedRevision: 'no_stream' });
    expect(double.log.stream('s')).toHaveLength(1);
    double.faults.set({ kind: 'delay', ms: 1_500 }, 1);
    expect(await rejection(store.readStream('s'))).toMatchObject({ reason: 'deadline-exceeded' });
  });

  it('UNKNOWN / INTERNAL surface at once as a server error (no retry loop)', async () => {
    const { double, store } = await start();
    double.faults.set({ kind: 'internal' }, 1);
    expect(await rejection(store.readAll())).toMatchObject({
      name: 'StoreUnavailableError',
      reason: 'server-error',
    });
    double.faults.set({ kind: 'unknown' }, 1);
    expect(
      await rejection(store.appendToStream('s', [event()], { expectedRevision: 'no_stream' })),
    ).toMatchObject({ reason: 'server-error' });
    expect(double.faults.injected).toBe(2);
  });

  it('a subscription that keeps meeting UNKNOWN fails after a bounded number of reconnects', async () => {
    const { double, store } = await start();
    double.faults.set({ kind: 'unknown' });
    const subscription = store.subscribeToAll();
    const consumed = (async () => {
      const items: SubscriptionItem[] = [];
      for await (const item of subscription) items.push(item);
      return items;
    })();
    await expect(consumed).rejects.toThrow(/Exception was thrown by handler/);
    expect(double.faults.injected).toBe(MAX_SERVER_FAULT_RETRIES + 1);
    await subscription.close();
  });

  it('a tombstoned stream is a StreamDeletedError on read and append', async () => {
    const { double, store } = await start();
    await store.appendToStream('gone', [event()], { expectedRevision: 'no_stream' });
    const client = EventStoreDBClient.connectionString(double.connectionString);
    await client.tombstoneStream('gone');
    await client.dispose();
    expect(await rejection(store.readStream('gone'))).toEqual(new StreamDeletedError('gone'));
    expect(await rejection(store.appendToStream('gone', [event()], { expectedRevision: 0n }))).toBeInstanceOf(
      StreamDeletedError,
    );
  });

  it('refuses a decision over the maximum append size whole (AppendTooLargeError), nothing appended', async () => {
    const { double, store } = await start();
    const allocations = Array.from({ length: 30_000 }, (_, i) => ({
      grant: `grant-${i}`,
      credits: '12.5000',
    }));
    const error = await rejection(
      store.appendToStream('acct', [event({ allocations })], { expectedRevision: 'no_stream' }),
    );
    expect(error).toBeInstanceOf(AppendTooLargeError);
    expect(error).toMatchObject({ stream: 'acct', maxAppendSize: 1024 * 1024 });
    expect(double.log.stream('acct')).toBeUndefined();
  });

  it('appends with the unary Append even where the server lists BatchAppend (24.10)', async () => {
    const { double, store } = await start({ serverFeatures: '24.10' });
    await store.appendToStream('s', [event()], { expectedRevision: 'no_stream' });
    expect(double.log.stream('s')).toHaveLength(1);
  });

  it("readAll and headPosition page past a real mix of the server's own events", async () => {
    const { store } = await start({ systemEvents: { statsEvery: 1 } });
    const written = [];
    for (let i = 0; i < 6; i++) {
      written.push(await store.appendToStream(`s-${i % 2}`, [event()], { expectedRevision: 'any' }));
    }
    // Each append is followed by a $statsCollected event: the log ends with one.
    const all = await store.readAll();
    expect(all.map((e) => e.position)).toEqual(written.map((w) => w.position));
    expect(await store.readAll({ fromPosition: all[2].position, maxCount: 2 })).toEqual(all.slice(3, 5));
    expect(await store.headPosition()).toBe(written[5].position);
  });
});
