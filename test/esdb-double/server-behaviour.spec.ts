/**
 * Conformance of the EventStoreDB double where the ledger depends on the server's behaviour beyond
 * plain appends and reads, through the real @eventstore/db-client 6.2.1: deletes and tombstones, the
 * maximum append size, the server's own events in $all, the bounded `any` idempotency, server
 * features, faults and leadership. Each rule cites where EventStoreDB implements it.
 */
import {
  EventStoreDBClient,
  jsonEvent,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  StreamNotFoundError,
  UnavailableError,
  UnknownError,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';

const event = (id = randomUUID(), data: Record<string, unknown> = { n: 1 }) =>
  jsonEvent({ id, type: 'Happened', data });

async function readAll(client: EventStoreDBClient) {
  const out = [];
  for await (const resolved of client.readAll({ maxCount: 1000 })) out.push(resolved.event!);
  return out;
}

async function readStream(client: EventStoreDBClient, stream: string, requiresLeader = false) {
  const out = [];
  for await (const resolved of client.readStream(stream, { requiresLeader })) out.push(resolved.event!);
  return out;
}

describe('EventStoreDB double: server behaviour the ledger depends on', () => {
  const doubles: EsdbDouble[] = [];
  const clients: EventStoreDBClient[] = [];
  async function start(options: Parameters<typeof startEsdbDouble>[0] = {}) {
    const double = await startEsdbDouble(options);
    const client = EventStoreDBClient.connectionString(double.connectionString);
    doubles.push(double);
    clients.push(client);
    return { double, client };
  }
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    await Promise.all(doubles.splice(0).map((d) => d.stop()));
  });

  // Streams.Delete.cs / Streams.Tombstone.cs; RpcExceptions.StreamDeleted (FailedPrecondition, exception: stream-deleted).
  describe('Delete and Tombstone', () => {
    it('a tombstoned stream refuses reads and appends with StreamDeleted, and cannot be deleted again', async () => {
      const { client } = await start();
      await client.appendToStream('t', event(), { expectedRevision: 'no_stream' });
      const result = await client.tombstoneStream('t', { expectedRevision: 0n });
      expect(result.position).toBeDefined();
      await expect(readStream(client, 't')).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(client.appendToStream('t', event())).rejects.toMatchObject({
        constructor: StreamDeletedError,
        streamName: 't',
      });
      await expect(client.tombstoneStream('t')).rejects.toBeInstanceOf(StreamDeletedError);
    });

    it('a soft-deleted stream reads as not found, and an append recreates it with revisions that continue', async () => {
      const { client } = await start();
      await client.appendToStream('d', [event(), event()], { expectedRevision: 'no_stream' });
      await client.deleteStream('d', { expectedRevision: 1n });
      await expect(readStream(client, 'd')).rejects.toBeInstanceOf(StreamNotFoundError);
      const again = await client.appendToStream('d', event(), { expectedRevision: 'no_stream' });
      expect(again.nextExpectedRevision).toBe(2n);
      expect((await readStream(client, 'd')).map((e) => e.revision)).toEqual([2n]);
      // The delete itself is a `$metadata` event in `$$d` ($tb = 2): a system event in $all.
      expect((await readAll(client)).some((e) => e.streamId === '$$d' && e.type === '$metadata')).toBe(true);
    });

    it('checks the expected revision like an append', async () => {
      const { client } = await start();
      await client.appendToStream('w', event(), { expectedRevision: 'no_stream' });
      await expect(client.deleteStream('w', { expectedRevision: 5n })).rejects.toMatchObject({
        type: 'wrong-expected-version',
        actualVersion: 0n,
      });
    });
  });

  // Streams.Append.cs: size += Event.SizeOnDisk(type, data, metadata); past MaxAppendSize (1 MiB default)
  // → RpcExceptions.MaxAppendSizeExceeded (InvalidArgument, maximum-append-size trailer).
  describe('maximum append size', () => {
    it('refuses an append over 1 MiB whole, with MaxAppendSizeExceededError naming the limit', async () => {
      const { client, double } = await start();
      const big = 'x'.repeat(300 * 1024);
      const events = [1, 2, 3, 4].map(() => event(randomUUID(), { big }));
      const error = await client.appendToStream('big', events).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MaxAppendSizeExceededError);
      expect(error).toMatchObject({ maxAppendSize: 1024 * 1024 });
      expect(double.log.stream('big')).toBeUndefined();
      await expect(client.appendToStream('big', events.slice(0, 3))).resolves.toMatchObject({
        success: true,
      });
    });

    it('takes its limit as the server option does', async () => {
      const { client } = await start({ maxAppendSize: 100 });
      await expect(
        client.appendToStream('s', event(randomUUID(), { s: 'y'.repeat(200) })),
      ).rejects.toMatchObject({
        maxAppendSize: 100,
      });
    });
  });

  describe("the server's own events in $all", () => {
    it('a fresh node holds users and settings before any client writes, and stats events keep coming', async () => {
      const { client } = await start({ systemEvents: { statsEvery: 2 } });
      for (let i = 0; i < 4; i++) await client.appendToStream('u', event());
      const all = await readAll(client);
      const streams = all.map((e) => e.streamId);
      expect(streams.slice(0, 5)).toEqual(['$user-admin', '$users', '$user-ops', '$users', '$settings']);
      expect(all.filter((e) => e.type === '$statsCollected')).toHaveLength(2);
      expect(all.filter((e) => e.streamId === 'u')).toHaveLength(4);
    });
  });

  // IndexWriter.CheckCommit: with `any`, idempotency is looked up in a bounded cache of committed ids.
  it('forgets ids appended with any once its id cache has moved on: the same id is written again', async () => {
    const { client, double } = await start({ idCacheSize: 2 });
    const id = randomUUID();
    await client.appendToStream('a', event(id), { expectedRevision: 'any' });
    await client.appendToStream('a', event(id), { expectedRevision: 'any' }); // still remembered
    expect(double.log.stream('a')).toHaveLength(1);
    await client.appendToStream('a', [event(), event()], { expectedRevision: 'any' });
    await client.appendToStream('a', event(id), { expectedRevision: 'any' });
    expect(double.log.stream('a')!.filter((e) => e.id === id)).toHaveLength(2);
  });

  // Client src/streams/appendToStream/index.ts: BatchAppend whenever the server lists it.
  it("lists BatchAppend like a 24.10 server, so the client's appendToStream goes there (and meets UNIMPLEMENTED)", async () => {
    const { client } = await start({ serverFeatures: '24.10' });
    await expect(client.appendToStream('b', event())).rejects.toThrow(/BatchAppend/);
  });

  describe('faults and leadership', () => {
    it('answers UNAVAILABLE, UNKNOWN on demand, then heals', async () => {
      const { client, double } = await start();
      double.faults.set({ kind: 'unavailable' }, 1);
      await expect(client.appendToStream('f', event())).rejects.toBeInstanceOf(UnavailableError);
      double.faults.set({ kind: 'unknown' }, 1);
      await expect(readStream(client, 'f')).rejects.toBeInstanceOf(UnknownError);
      await expect(client.appendToStream('f', event())).resolves.toMatchObject({ success: true });
      expect(double.faults.injected).toBe(2);
    });

    it('a follower serves a stale stream unless the call requires the leader; then NotLeader names the leader', async () => {
      const leader = await start();
      const follower = await start({ follower: leader.double });
      await follower.client.appendToStream('acct', event()); // forwarded to the leader
      expect(leader.double.log.stream('acct')).toHaveLength(1);
      // Not replicated to this follower yet: what a decider must never see.
      await expect(readStream(follower.client, 'acct')).rejects.toBeInstanceOf(StreamNotFoundError);
      const error = await readStream(follower.client, 'acct', true).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotLeaderError);
      expect(error).toMatchObject({ leader: { address: '127.0.0.1', port: leader.double.endpoint.port } });
      // The client reconnects to the leader it was given: the same call now reads the fresh stream.
      expect(await readStream(follower.client, 'acct', true)).toHaveLength(1);
    });
  });
});
