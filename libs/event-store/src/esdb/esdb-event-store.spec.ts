/**
 * EventStoreDB-specific behaviour of the adapter (the shared contract covers the port's rules), through
 * the real client against the protocol double.
 */
import { randomUUID } from 'node:crypto';
import { startEsdbDouble, type EsdbDouble } from '../../../../test/support/esdb-double/esdb-double';
import { WrongExpectedVersionError, type Subscription, type SubscriptionItem } from '../event-store';
import { EsdbEventStore } from './esdb-event-store';
import { decodePosition, encodeCheckpoint, encodeEventPosition, UnsupportedPositionError } from './positions';

const event = (type = 'Happened') => ({ id: randomUUID(), type, data: { n: 1 } });

async function take(subscription: Subscription, done: (items: SubscriptionItem[]) => boolean) {
  const items: SubscriptionItem[] = [];
  const timeout = setTimeout(() => void subscription.close(), 10_000);
  try {
    for await (const item of subscription) {
      items.push(item);
      if (done(items)) break;
    }
  } finally {
    // Also when the subscription fails: a pending 10 s timer kept jest from exiting after the run.
    clearTimeout(timeout);
  }
  await subscription.close();
  return items;
}
const eventCount = (items: SubscriptionItem[]) => items.filter((i) => i.kind === 'event').length;

describe('positions', () => {
  it('maps events to odd and between-record checkpoints to even bigints, reversibly and in order', () => {
    expect(encodeEventPosition({ commit: 500n, prepare: 500n })).toBe(1001n);
    expect(decodePosition(1001n)).toEqual({ commit: 500n, prepare: 500n });
    expect(encodeCheckpoint({ commit: 700n, prepare: 0n })).toBe(1400n);
    expect(decodePosition(1400n)).toEqual({ commit: 700n, prepare: 0n });
    expect(decodePosition(0n)).toBe('start');
    expect(encodeCheckpoint({ commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n })).toBeUndefined();
    expect(() => encodeEventPosition({ commit: 900n, prepare: 800n })).toThrow(UnsupportedPositionError);
  });
});

describe('EsdbEventStore on the gRPC double', () => {
  let double: EsdbDouble;
  let store: EsdbEventStore;
  beforeEach(async () => {
    double = await startEsdbDouble();
    store = new EsdbEventStore(double.connectionString, {
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
      readPageSize: 4,
    });
  });
  afterEach(async () => {
    await store.close();
    await double.stop();
  });

  it('with contentAddressedIds, appends without reading back (same ids are a replay, whatever the content)', async () => {
    const addressed = new EsdbEventStore(double.connectionString, { contentAddressedIds: true });
    try {
      const ids = [randomUUID(), randomUUID()];
      const original = ids.map((id) => ({ id, type: 'T', data: { n: 1 } }));
      const first = await addressed.appendToStream('ca', original, { expectedRevision: 'no_stream' });
      // Ledger ids hash the content, so "same ids, other content" cannot happen there; the store
      // trusts that promise and skips the read-back that would otherwise call it a conflict.
      const other = ids.map((id) => ({ id, type: 'T', data: { n: 2 } }));
      expect(await addressed.appendToStream('ca', other, { expectedRevision: 'no_stream' })).toEqual(first);
      // Without the promise, the same append is refused after reading the stored range back.
      await expect(
        store.appendToStream('ca', other, { expectedRevision: 'no_stream' }),
      ).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect((await addressed.readStream('ca')).map((e) => e.data)).toEqual([{ n: 1 }, { n: 1 }]);
    } finally {
      await addressed.close();
    }
  });

  it('readAll and headPosition skip system events, across pages', async () => {
    await store.appendToStream('a', [event()], { expectedRevision: 'no_stream' });
    for (let i = 0; i < 9; i++)
      await store.appendToStream('$$a', [event('$metadata')], { expectedRevision: 'any' });
    const last = await store.appendToStream('a', [event()], { expectedRevision: 0n });
    for (let i = 0; i < 9; i++)
      await store.appendToStream('$$a', [event('$metadata')], { expectedRevision: 'any' });
    const all = await store.readAll();
    expect(all.map((e) => e.revision)).toEqual([0n, 1n]);
    expect(await store.readAll({ fromPosition: all[0].position })).toEqual([all[1]]);
    expect(await store.headPosition()).toBe(last.position);
  });

  it('yields checkpoints in order with events, and resuming from one neither repeats nor skips', async () => {
    for (let i = 0; i < 70; i++) {
      await store.appendToStream(i < 66 ? '$$s' : 's', [event(i < 66 ? '$metadata' : 'E')], {
        expectedRevision: 'any',
      });
    }
    const items = await take(store.subscribeToAll(), (got) => eventCount(got) === 4);
    const checkpoint = items.find((i) => i.kind === 'checkpoint');
    // Two pages of system events passed: a checkpoint between records (even) lets the consumer advance.
    expect(items[0]).toEqual({ kind: 'checkpoint', position: 2n * double.log.events[32].position });
    const positions = items.map((i) => (i.kind === 'event' ? i.event.position : i.position));
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    const resumed = await take(
      store.subscribeToAll({ fromPosition: (checkpoint as { position: bigint }).position }),
      (got) => eventCount(got) === 4,
    );
    expect(resumed.filter((i) => i.kind === 'event')).toEqual(items.filter((i) => i.kind === 'event'));
  });

  it('reconnects after the server drops the subscription and continues after the last item', async () => {
    await store.appendToStream('s', [event(), event()], { expectedRevision: 'no_stream' });
    const subscription = store.subscribeToAll();
    const seen: bigint[] = [];
    const consumer = (async () => {
      for await (const item of subscription) {
        if (item.kind !== 'event') continue;
        seen.push(item.event.revision);
        if (seen.length === 2) {
          double.dropSubscriptions();
          await store.appendToStream('s', [event()], { expectedRevision: 1n });
        }
        if (seen.length === 3) break;
      }
    })();
    await consumer;
    await subscription.close();
    expect(seen).toEqual([0n, 1n, 2n]);
    expect(double.subscriptionsOpened()).toBe(2);
  });

  it('surfaces a non-transient failure to the consumer instead of retrying forever', async () => {
    const subscription = store.subscribeToAll({ fromPosition: 12_345n }); // not a record of this log
    await expect(take(subscription, () => false)).rejects.toThrow(/invalid position/);
  });
});
