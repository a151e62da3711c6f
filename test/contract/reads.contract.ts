import { RecordedEvent, StreamNotFoundError, Subscription } from '@ledger/event-store';
import { ContractContext, delay, event, expectStrictlyIncreasing, rejectionOf } from './contract-context';

/** Reads of one stream and of $all, subscriptions, and closing the store. */
export function describeReads(ctx: ContractContext): void {
  describe('reading a stream', () => {
    it('throws StreamNotFoundError for a stream without events', async () => {
      const stream = ctx.streamName('none');
      const error = await rejectionOf(ctx.store.readStream(stream));
      expect(error).toBeInstanceOf(StreamNotFoundError);
      expect(error).toMatchObject({ stream });
      await expect(ctx.store.readStream(stream, { direction: 'backwards' })).rejects.toBeInstanceOf(
        StreamNotFoundError,
      );
    });

    it('reads a stream without events as undefined through readStreamIfExists, without throwing', async () => {
      const read = ctx.store.readStreamIfExists?.bind(ctx.store);
      expect(read).toBeDefined();
      if (read === undefined) return;
      const missing = ctx.streamName('none-if-exists');
      expect(await read(missing)).toBeUndefined();
      expect(await read(missing, { direction: 'backwards', maxCount: 1 })).toBeUndefined();
      expect(await read(missing, { fromRevision: 3n, maxCount: 0 })).toBeUndefined();
      const stream = await streamOf(3);
      expect((await read(stream, { fromRevision: 1n }))?.map((e) => e.revision)).toEqual([1n, 2n]);
      expect(await read(stream, { fromRevision: 3n })).toEqual([]);
      expect(await read(stream, { maxCount: 0 })).toEqual([]);
      expect((await read(stream, { direction: 'backwards', maxCount: 2 }))?.map((e) => e.revision)).toEqual([
        2n,
        1n,
      ]);
      // The same answers as readStream, event for event.
      expect(await read(stream)).toEqual(await ctx.store.readStream(stream));
    });

    it('reads forwards from a revision with maxCount', async () => {
      const stream = await streamOf(5);
      const read = await ctx.store.readStream(stream, { fromRevision: 1n, maxCount: 3 });
      expect(read.map((e) => e.revision)).toEqual([1n, 2n, 3n]);
      expect(await ctx.store.readStream(stream, { fromRevision: 5n })).toEqual([]);
    });

    it('reads backwards from the end by default, or from a revision', async () => {
      const stream = await streamOf(5);
      const fromEnd = await ctx.store.readStream(stream, { direction: 'backwards', maxCount: 2 });
      expect(fromEnd.map((e) => e.revision)).toEqual([4n, 3n]);
      const fromTwo = await ctx.store.readStream(stream, { direction: 'backwards', fromRevision: 2n });
      expect(fromTwo.map((e) => e.revision)).toEqual([2n, 1n, 0n]);
      const all = await ctx.store.readStream(stream, { direction: 'backwards' });
      expect(all.map((e) => e.revision)).toEqual([4n, 3n, 2n, 1n, 0n]);
    });

    async function streamOf(count: number): Promise<string> {
      const stream = ctx.streamName(`s${count}`);
      const events = Array.from({ length: count }, (_, i) => event(`E${i}`));
      await ctx.store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      return stream;
    }
  });

  describe('reading $all', () => {
    it('reads after an exclusive position, in strictly increasing positions, up to maxCount', async () => {
      const start = await ctx.store.headPosition();
      const stream = ctx.streamName('all');
      for (let i = 0; i < 4; i += 1) {
        await ctx.store.appendToStream(stream, [event(`E${i}`)], {
          expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1),
        });
      }
      const mine = ctx.ours(await ctx.store.readAll({ fromPosition: start }));
      expect(mine.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
      expectStrictlyIncreasing(mine.map((e) => e.position));

      const afterSecond = ctx.ours(await ctx.store.readAll({ fromPosition: mine[1].position }));
      expect(afterSecond.map((e) => e.revision)).toEqual([2n, 3n]);

      const page = await ctx.store.readAll({ fromPosition: start, maxCount: 2 });
      expect(page).toHaveLength(2);
      expectStrictlyIncreasing(page.map((e) => e.position));
      expect(page.every((e) => e.position > start)).toBe(true);
      expect(await ctx.store.readAll({ fromPosition: await ctx.store.headPosition() })).toEqual([]);
    });
  });

  describe('subscription to $all', () => {
    it('catches up, then delivers live appends', async () => {
      const start = await ctx.store.headPosition();
      const stream = ctx.streamName('sub');
      await ctx.store.appendToStream(stream, [event('Old1'), event('Old2')], {
        expectedRevision: 'no_stream',
      });
      const subscription = ctx.store.subscribeToAll({ fromPosition: start });
      const received = collect(subscription, 4);
      await delay(50);
      await ctx.store.appendToStream(stream, [event('New1'), event('New2')], { expectedRevision: 1n });
      expect((await received).map((e) => e.type)).toEqual(['Old1', 'Old2', 'New1', 'New2']);
    });

    it('sees every acknowledged append, positions strictly increasing, none missing, while writers run', async () => {
      const start = await ctx.store.headPosition();
      const subscription = ctx.store.subscribeToAll({ fromPosition: start });
      const sizes = [1, 2, 3, 1, 2, 3, 1, 2, 3, 1];
      const writers = Array.from({ length: 8 }, async (_, w) => {
        const acknowledged: bigint[] = [];
        for (const [i, size] of sizes.entries()) {
          const events = Array.from({ length: size }, () => event(`W${w}`));
          const expectedRevision = i === 0 ? ('no_stream' as const) : 'stream_exists';
          acknowledged.push(
            (await ctx.store.appendToStream(ctx.streamName(`w${w}`), events, { expectedRevision })).position,
          );
        }
        return acknowledged;
      });
      const seen = await collect(subscription, 8 * sizes.reduce((a, b) => a + b));
      const acknowledged = (await Promise.all(writers)).flat();
      const seenPositions = seen.map((e) => e.position);
      expectStrictlyIncreasing(seenPositions);
      for (const position of acknowledged) expect(seenPositions).toContain(position);
      // "No gap": the subscriber saw exactly what the log holds over the same range.
      const last = seenPositions[seenPositions.length - 1];
      const logged = ctx
        .ours(await ctx.store.readAll({ fromPosition: start }))
        .filter((e) => e.position <= last);
      expect(seenPositions).toEqual(logged.map((e) => e.position));
    });

    it('resumes after a checkpoint without repeating or skipping', async () => {
      const start = await ctx.store.headPosition();
      const stream = ctx.streamName('resume');
      const events = Array.from({ length: 6 }, (_, i) => event(`E${i}`));
      await ctx.store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      const firstThree = await collect(ctx.store.subscribeToAll({ fromPosition: start }), 3);
      const checkpoint = firstThree[2].position;
      const rest = await collect(ctx.store.subscribeToAll({ fromPosition: checkpoint }), 3);
      expect([...firstThree, ...rest].map((e) => e.id)).toEqual(events.map((e) => e.id));
    });

    it('ends a pending iteration when closed', async () => {
      const subscription = ctx.store.subscribeToAll({ fromPosition: await ctx.store.headPosition() });
      const loop = (async () => {
        for await (const _item of subscription) {
          // nothing will come: nobody appends
        }
        return 'ended';
      })();
      await delay(20);
      await subscription.close();
      await expect(loop).resolves.toBe('ended');
    });

    /** The next `count` events of this test's streams; closes the subscription. */
    async function collect(subscription: Subscription, count: number): Promise<RecordedEvent[]> {
      const events: RecordedEvent[] = [];
      const timeout = setTimeout(() => void subscription.close(), 20_000);
      try {
        for await (const item of subscription) {
          if (item.kind !== 'event' || !ctx.isOurs(item.event)) continue;
          events.push(item.event);
          if (events.length === count) break;
        }
      } finally {
        clearTimeout(timeout);
        await subscription.close();
      }
      return events;
    }
  });

  describe('close', () => {
    it('settles appends made before close, then refuses new ones', async () => {
      const stream = ctx.streamName('close');
      const pending = ctx.store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
      await ctx.store.close();
      await expect(pending).resolves.toMatchObject({ nextExpectedRevision: 0n });
      await expect(
        ctx.store.appendToStream(stream, [event('B')], { expectedRevision: 0n }),
      ).rejects.toBeInstanceOf(Error);
      await expect(ctx.store.close()).resolves.toBeUndefined();
    });
  });
}
