/**
 * Conformance of the EventStoreDB double: stream and $all reads, through the real client.
 */
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  type ResolvedEvent,
  StreamNotFoundError,
} from '@eventstore/db-client';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';

const event = (type = 'Happened', n = 0) => jsonEvent({ type, data: { n } });
const collect = async (read: AsyncIterable<ResolvedEvent>) => {
  const out: ResolvedEvent[] = [];
  for await (const e of read) out.push(e);
  return out;
};

describe('EventStoreDB double: Streams.Read (bounded reads)', () => {
  let double: EsdbDouble;
  let client: EventStoreDBClient;
  beforeEach(async () => {
    double = await startEsdbDouble();
    client = EventStoreDBClient.connectionString(double.connectionString);
    await client.appendToStream(
      's',
      [0, 1, 2, 3].map((n) => event('Happened', n)),
    );
  });
  afterEach(async () => {
    await client.dispose();
    await double.stop();
  });

  // https://developers.eventstore.com/clients/grpc/reading-events.html (reading from a stream: fromRevision,
  // direction, maxCount; "Checking if the stream exists": reading a missing stream throws StreamNotFoundError)
  it('reads a stream forwards from a revision, backwards from the end, with a max count', async () => {
    const forwards = await collect(
      client.readStream('s', { fromRevision: 1n, direction: FORWARDS, maxCount: 2 }),
    );
    expect(forwards.map((e) => e.event?.revision)).toEqual([1n, 2n]);
    const backwards = await collect(client.readStream('s', { fromRevision: END, direction: BACKWARDS }));
    expect(backwards.map((e) => e.event?.revision)).toEqual([3n, 2n, 1n, 0n]);
    const fromTwo = await collect(client.readStream('s', { fromRevision: 2n, direction: BACKWARDS }));
    expect(fromTwo.map((e) => e.event?.revision)).toEqual([2n, 1n, 0n]);
  });

  it('reading a stream that does not exist fails with StreamNotFoundError', async () => {
    await expect(collect(client.readStream('missing'))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  // Streams.Read.cs ConvertToRecordedEvent: metadata `type`, `content-type`, `created` (ticks since epoch).
  it('returns type, JSON data, custom metadata and the created date', async () => {
    await client.appendToStream('m', jsonEvent({ type: 'WithMeta', data: { a: 1 }, metadata: { by: 'x' } }));
    const [read] = await collect(client.readStream('m'));
    expect(read.event).toMatchObject({
      type: 'WithMeta',
      data: { a: 1 },
      metadata: { by: 'x' },
      isJson: true,
    });
    expect(Math.abs(read.event!.created.getTime() - Date.now())).toBeLessThan(5_000);
  });

  // AllReader.ReadAllEventsForward: "Positions is specified as pre-positions"; the event AT the start
  // position is included (`new TFPos(prepare.LogPosition, prepare.LogPosition) >= pos`).
  it('reads $all forwards from a position inclusively', async () => {
    const all = await collect(client.readAll());
    const from = all[2].event!.position!;
    const after = await collect(client.readAll({ fromPosition: from }));
    expect(after.map((e) => e.event?.revision)).toEqual([2n, 3n]);
  });

  // AllReader.ReadAllEventsBackward: "Positions is specified as post-positions" — the record at the
  // position is not included when paging backwards from it.
  it('reads $all backwards from the end, and from a position exclusively', async () => {
    const back = await collect(client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 2 }));
    expect(back.map((e) => e.event?.revision)).toEqual([3n, 2n]);
    const more = await collect(
      client.readAll({ direction: BACKWARDS, fromPosition: back[1].event!.position! }),
    );
    expect(more.map((e) => e.event?.revision)).toEqual([1n, 0n]);
  });

  // https://developers.eventstore.com/server/v24.10/features/streams.html#system-events-and-streams and
  // EventFilter.DefaultAllFilterStrategy: an unfiltered $all read returns system events, except
  // `$epoch-information` and persistent-subscription-to-$all checkpoint/parked streams.
  it('an unfiltered $all read returns system events but never $epoch-information', async () => {
    await client.appendToStream('$$s', jsonEvent({ type: '$metadata', data: {} }));
    await client.appendToStream('$epoch-information', jsonEvent({ type: '$epoch-information', data: {} }));
    const types = (await collect(client.readAll())).map((e) => e.event?.type);
    expect(types).toContain('$metadata');
    expect(types).not.toContain('$epoch-information');
  });

  // RpcExceptions.InvalidPositionException: the server reads the log from the commit position it is given,
  // which must be the start of a record.
  it('rejects a position that does not start a record', async () => {
    const [first] = await collect(client.readAll({ maxCount: 1 }));
    const p = first.event!.position!.commit + 1n;
    await expect(collect(client.readAll({ fromPosition: { commit: p, prepare: p } }))).rejects.toThrow(
      /invalid position/,
    );
  });
});
