/**
 * Conformance of the EventStoreDB double: appends, through the real @eventstore/db-client 6.2.1.
 * Each rule cites where EventStoreDB documents or implements it.
 */
import { EventStoreDBClient, jsonEvent, WrongExpectedVersionError } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';

const event = (id = randomUUID(), type = 'Happened') => jsonEvent({ id, type, data: { n: 1 } });

describe('EventStoreDB double: Streams.Append', () => {
  let double: EsdbDouble;
  let client: EventStoreDBClient;
  beforeEach(async () => {
    double = await startEsdbDouble();
    client = EventStoreDBClient.connectionString(double.connectionString);
  });
  afterEach(async () => {
    await client.dispose();
    await double.stop();
  });

  // Client dist/Client/ServerFeatures.js: UNIMPLEMENTED means "no optional features" → plain Append.
  it('serves a client whose server-features probe gets UNIMPLEMENTED (plain Append)', async () => {
    const result = await client.appendToStream('s-1', event());
    expect(result).toMatchObject({ success: true, nextExpectedRevision: 0n });
  });

  // https://developers.eventstore.com/clients/grpc/appending-events.html#handling-concurrency
  // (expectedRevision: NO_STREAM / STREAM_EXISTS / ANY / an exact revision) and
  // src/EventStore.Core/Services/Transport/Grpc/Streams.Append.cs (WrongExpectedVersion carries the current revision).
  describe('expected revision', () => {
    it('no_stream succeeds on a new stream and fails on an existing one with the actual revision', async () => {
      await client.appendToStream('s', [event(), event()], { expectedRevision: 'no_stream' });
      const error = await client
        .appendToStream('s', event(), { expectedRevision: 'no_stream' })
        .catch((e) => e);
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ streamName: 's', expectedVersion: 'no_stream', actualVersion: 1n });
    });

    it('an exact revision must equal the last event revision', async () => {
      await client.appendToStream('s', [event(), event()]);
      await expect(client.appendToStream('s', event(), { expectedRevision: 1n })).resolves.toMatchObject({
        nextExpectedRevision: 2n,
      });
      const error = await client.appendToStream('s', event(), { expectedRevision: 5n }).catch((e) => e);
      expect(error).toMatchObject({ expectedVersion: 5n, actualVersion: 2n });
      const behind = await client.appendToStream('s', event(), { expectedRevision: 0n }).catch((e) => e);
      expect(behind).toMatchObject({ expectedVersion: 0n, actualVersion: 2n });
    });

    it('an exact revision on a missing stream reports no_stream as the actual revision', async () => {
      const error = await client.appendToStream('missing', event(), { expectedRevision: 0n }).catch((e) => e);
      expect(error).toMatchObject({ actualVersion: 'no_stream' });
    });

    it('stream_exists fails on a missing stream and succeeds on an existing one', async () => {
      const error = await client
        .appendToStream('s', event(), { expectedRevision: 'stream_exists' })
        .catch((e) => e);
      expect(error).toMatchObject({ expectedVersion: 'stream_exists', actualVersion: 'no_stream' });
      await client.appendToStream('s', event());
      await expect(
        client.appendToStream('s', event(), { expectedRevision: 'stream_exists' }),
      ).resolves.toMatchObject({
        nextExpectedRevision: 1n,
      });
    });

    it('any always appends', async () => {
      await client.appendToStream('s', event(), { expectedRevision: 'any' });
      await expect(client.appendToStream('s', event(), { expectedRevision: 'any' })).resolves.toMatchObject({
        nextExpectedRevision: 1n,
      });
    });
  });

  // https://developers.eventstore.com/clients/grpc/appending-events.html#idempotence ("If two events with the
  // same Uuid are appended to the same stream in quick succession EventStoreDB will only append one copy") and
  // the rules of IndexWriter.CheckCommit (src/EventStore.Core/Services/Storage/ReaderIndex/IndexWriter.cs).
  describe('idempotence', () => {
    it('re-appending the same ids at the same expected revision succeeds without writing', async () => {
      const batch = [event(), event()];
      const first = await client.appendToStream('s', batch, { expectedRevision: 'no_stream' });
      await client.appendToStream('s', event(), { expectedRevision: 1n });
      const replay = await client.appendToStream('s', batch, { expectedRevision: 'no_stream' });
      // AlreadyCommitted → RequestManagerBase.ReturnCommitAt: the ORIGINAL last revision and position,
      // in the same Success message a fresh write gets (a position, not no_position; no marker):
      // kurrent-io/KurrentDB src/KurrentDB.Core/Services/Transport/Grpc/Streams.Append.cs.
      expect(replay).toEqual(first);
      expect(replay).toEqual({ success: true, nextExpectedRevision: 1n, position: expect.anything() });
      expect(double.log.stream('s')).toHaveLength(3);
    });

    it('re-appending the same ids with any is idempotent too', async () => {
      const batch = [event(), event()];
      const first = await client.appendToStream('s', batch, { expectedRevision: 'any' });
      await expect(client.appendToStream('s', batch, { expectedRevision: 'any' })).resolves.toEqual(first);
      expect(double.log.stream('s')).toHaveLength(2);
    });

    it('a batch that only partly matches what is stored is a wrong expected version', async () => {
      const [a, b] = [event(), event()];
      await client.appendToStream('s', [a, b], { expectedRevision: 'no_stream' });
      const error = await client
        .appendToStream('s', [a, event()], { expectedRevision: 'no_stream' })
        .catch((e) => e);
      expect(error).toMatchObject({ actualVersion: 1n }); // CorruptedIdempotency → WrongExpectedVersion
    });

    it('ids are only compared after the expected revision: at the current revision they are appended again', async () => {
      const a = event();
      await client.appendToStream('s', a, { expectedRevision: 'no_stream' });
      await client.appendToStream('s', a, { expectedRevision: 0n }); // expected == current → Ok, written
      expect(double.log.stream('s')).toHaveLength(2);
    });
  });

  // StorageWriterService.WritePrepares writes one implicitly committed prepare per event; AllReader gives each
  // CommitEventRecord(eventRecord, prepare.LogPosition); StorageChaser acks the commit at the last prepare.
  it('positions: commit == prepare for every event of a multi-event append; the result is the last one', async () => {
    const result = await client.appendToStream('s', [event(), event(), event()]);
    const read = [];
    for await (const e of client.readStream('s')) read.push(e.event?.position);
    expect(read.every((p) => p && p.commit === p.prepare)).toBe(true);
    expect(read.map((p) => p?.commit)).toEqual(
      [...read.map((p) => p?.commit)].sort((x, y) => (x! < y! ? -1 : 1)),
    );
    expect(result.position).toEqual(read[2]);
    expect(read[0]!.commit).toBeGreaterThan(0n); // the log opens with an epoch record
  });
});
