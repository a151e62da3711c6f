/**
 * Conformance of the EventStoreDB double: catch-up subscriptions, through the real client.
 */
import {
  EventStoreDBClient,
  excludeSystemEvents,
  jsonEvent,
  type Position,
  START,
  type AllStreamSubscription,
} from '@eventstore/db-client';
import { startEsdbDouble, type EsdbDouble } from '../support/esdb-double/esdb-double';

const event = (type = 'Happened') => jsonEvent({ type, data: {} });
type Seen = { event: string } | { checkpoint: Position } | { caughtUp: true };

/** Records what a subscription delivers, in order, until `until` holds. */
function record(subscribe: (onCheckpoint: (p: Position) => void) => AllStreamSubscription) {
  const seen: Seen[] = [];
  const subscription = subscribe((p) => void seen.push({ checkpoint: p }));
  subscription.on('data', (e) => seen.push({ event: `${e.event?.streamId}@${e.event?.revision}` }));
  subscription.on('caughtUp', () => seen.push({ caughtUp: true }));
  const until = async (done: (s: Seen[]) => boolean) => {
    for (let i = 0; i < 200 && !done(seen); i++) await new Promise((r) => setTimeout(r, 10));
    return seen;
  };
  return { seen, until, stop: () => subscription.unsubscribe() };
}
const events = (s: Seen[]) => s.flatMap((x) => ('event' in x ? [x.event] : []));
const checkpoints = (s: Seen[]) => s.flatMap((x) => ('checkpoint' in x ? [x.checkpoint] : []));
const caughtUp = (s: Seen[]) => s.some((x) => 'caughtUp' in x);

describe('EventStoreDB double: subscriptions', () => {
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
  const subscribeFiltered = (fromPosition: Position | typeof START = START, checkpointInterval = 1) =>
    record((onCheckpoint) =>
      client.subscribeToAll({
        fromPosition,
        filter: excludeSystemEvents({ checkpointInterval, checkpointReached: (_s, p) => onCheckpoint(p) }),
      }),
    );

  // https://developers.eventstore.com/clients/grpc/subscriptions.html ("If events already exist, the handler
  // will be called for each event one by one until it reaches the end of the stream. From there, the server
  // will notify the handler whenever a new event appears"); Enumerator.AllSubscriptionFiltered: CatchUp, then
  // a CaughtUp message (sent to clients since 23.10), then GoLive.
  it('catches up, reports caught-up, then delivers live events', async () => {
    await client.appendToStream('a', [event(), event()]);
    const sub = subscribeFiltered();
    await sub.until(caughtUp);
    await client.appendToStream('a', event());
    const seen = await sub.until((s) => events(s).length === 3);
    expect(events(seen)).toEqual(['a@0', 'a@1', 'a@2']);
    await sub.stop();
  });

  // Server-side filtering (https://developers.eventstore.com/clients/grpc/subscriptions.html#server-side-filtering,
  // "excludeSystemEvents") + https://developers.eventstore.com/server/v24.10/features/streams.html#system-events-and-streams
  it('excludeSystemEvents() filters $-prefixed event types, in catch-up and live', async () => {
    await client.appendToStream('$$a', event('$metadata'));
    await client.appendToStream('a', event());
    const sub = subscribeFiltered();
    await sub.until(caughtUp);
    await client.appendToStream('$$b', event('$metadata'));
    await client.appendToStream('b', event());
    expect(events(await sub.until((s) => events(s).length === 2))).toEqual(['a@0', 'b@0']);
    await sub.stop();
  });

  // "The positions provided to the subscriptions are exclusive" (subscriptions.html#subscribing-from-a-specific-position)
  it('resumes after the given position, exclusively', async () => {
    await client.appendToStream('a', [event(), event(), event()]);
    const position = double.log.stream('a')![1].position;
    const sub = subscribeFiltered({ commit: position, prepare: position });
    expect(events(await sub.until(caughtUp))).toEqual(['a@2']);
    await sub.stop();
  });

  // subscriptions.html#checkpointing ("checkpointInterval" × 32 events) and AllSubscriptionFiltered.CatchUp:
  // pages of 32 considered events (system events count); once the interval is reached, a checkpoint at
  // max(last event sent, the page's start) — a page start is TFPos(post-position of the previous page, 0) —
  // and one at the end of the catch-up, at the last event sent.
  it('sends catch-up checkpoints every 32 × multiplier considered events, and at the end', async () => {
    const kinds = [...Array(10).fill('E'), ...Array(60).fill('$metadata'), 'E'];
    for (const type of kinds) await client.appendToStream(type === 'E' ? 's' : '$$s', event(type));
    const sub = subscribeFiltered(START, 1);
    const seen = await sub.until(caughtUp);
    const log = double.log.events;
    const at = (i: number) => ({ commit: log[i].position, prepare: log[i].position });
    expect(checkpoints(seen)).toEqual([at(9), { commit: log[32].position, prepare: 0n }, at(70)]);
    // In order: events of a page come before the checkpoint that follows it.
    const firstCheckpoint = seen.findIndex((x) => 'checkpoint' in x);
    expect(events(seen.slice(0, firstCheckpoint))).toHaveLength(10);
    expect(events(seen)).toHaveLength(11);
    await sub.stop();
  });

  // SubscriptionsService.ProcessEventCommited: live, every considered event counts; the checkpoint is the
  // position of the event that reached the interval.
  it('sends live checkpoints at the position of the event that completes the interval', async () => {
    const sub = subscribeFiltered(START, 1);
    await sub.until(caughtUp);
    for (let i = 0; i < 32; i++) await client.appendToStream('$$s', event('$metadata'));
    const seen = await sub.until((s) => checkpoints(s).length > 0);
    const p = double.log.events[31].position;
    expect(checkpoints(seen).at(-1)).toEqual({ commit: p, prepare: p });
    await sub.stop();
  });

  // AllSubscriptionFiltered: a catch-up from the start that sends nothing ends with the checkpoint TFPos(-1,-1),
  // which Position.FromInt64 turns into ulong.MaxValue (Position.End) on the wire.
  it('a filtered catch-up from the start that sends nothing checkpoints at Position.End', async () => {
    await client.appendToStream('$$s', event('$metadata'));
    const sub = subscribeFiltered();
    const max = 2n ** 64n - 1n;
    expect(checkpoints(await sub.until(caughtUp))).toEqual([{ commit: max, prepare: max }]);
    await sub.stop();
  });

  // Enumerator.StreamSubscription: a subscription to one stream from a revision (exclusive), catch-up then live.
  it('subscribes to a stream from a revision, exclusively, then live', async () => {
    await client.appendToStream('a', [event(), event()]);
    const sub = record(
      () => client.subscribeToStream('a', { fromRevision: 0n }) as unknown as AllStreamSubscription,
    );
    await sub.until(caughtUp);
    await client.appendToStream('b', event());
    await client.appendToStream('a', event());
    expect(events(await sub.until((s) => events(s).length === 2))).toEqual(['a@1', 'a@2']);
    await sub.stop();
  });
});
