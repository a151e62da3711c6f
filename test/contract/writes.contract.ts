import { WrongExpectedVersionError } from '@ledger/event-store';
import { ContractContext, event, rejectionOf } from './contract-context';

/** Appends: revisions and positions, optimistic concurrency, idempotent retries. */
export function describeWrites(ctx: ContractContext): void {
  describe('append and read', () => {
    it('stores events with their revision, position, type, data, metadata and commit time', async () => {
      const stream = ctx.streamName('a');
      const events = [
        event(
          'Opened',
          { plan: 'plus', nested: { list: [1, 'two', null], unicode: 'é€💳' } },
          { actor: 'svc' },
        ),
        event('Used', { units: 3 }),
      ];
      const result = await ctx.store.appendToStream(stream, events, { expectedRevision: 'no_stream' });

      const read = await ctx.store.readStream(stream);
      expect(read.map((e) => [e.id, e.streamName, e.revision, e.type, e.data, e.metadata])).toEqual([
        [events[0].id, stream, 0n, 'Opened', events[0].data, { actor: 'svc' }],
        [events[1].id, stream, 1n, 'Used', { units: 3 }, {}],
      ]);
      expect(result).toEqual({ nextExpectedRevision: 1n, position: read[1].position });
      expect(read[0].position).toBeLessThan(read[1].position);
      for (const e of read) {
        expect(typeof e.position).toBe('bigint');
        expect(e.recordedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
        expect(Math.abs(Date.parse(e.recordedAt) - Date.now())).toBeLessThan(5 * 60_000);
      }
    });

    it('gives later appends higher positions and continues revisions', async () => {
      const stream = ctx.streamName('b');
      const first = await ctx.store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
      const second = await ctx.store.appendToStream(stream, [event('B'), event('C')], {
        expectedRevision: 0n,
      });
      expect(second.nextExpectedRevision).toBe(2n);
      expect(second.position).toBeGreaterThan(first.position);
      expect((await ctx.store.headPosition()) >= second.position).toBe(true);
    });
  });

  describe('expected revision', () => {
    it('accepts the exact revision and rejects another with the actual revision', async () => {
      const stream = ctx.streamName('exact');
      await ctx.store.appendToStream(stream, [event('A'), event('B')], { expectedRevision: 'no_stream' });
      const error = await rejectionOf(
        ctx.store.appendToStream(stream, [event('X')], { expectedRevision: 0n }),
      );
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ stream, expected: 0n, actual: 1n });
      await expect(
        ctx.store.appendToStream(stream, [event('C')], { expectedRevision: 1n }),
      ).resolves.toMatchObject({
        nextExpectedRevision: 2n,
      });
    });

    it('rejects an exact revision on a missing stream with actual no_stream', async () => {
      const stream = ctx.streamName('missing');
      const error = await rejectionOf(
        ctx.store.appendToStream(stream, [event('A')], { expectedRevision: 0n }),
      );
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ stream, actual: 'no_stream' });
    });

    it('no_stream: only a stream with no events', async () => {
      const stream = ctx.streamName('ns');
      await ctx.store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
      const error = await rejectionOf(
        ctx.store.appendToStream(stream, [event('B')], { expectedRevision: 'no_stream' }),
      );
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ stream, expected: 'no_stream', actual: 0n });
    });

    it('stream_exists: only a stream with events', async () => {
      const stream = ctx.streamName('se');
      const error = await rejectionOf(
        ctx.store.appendToStream(stream, [event('A')], { expectedRevision: 'stream_exists' }),
      );
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ stream, expected: 'stream_exists', actual: 'no_stream' });
      await ctx.store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
      await expect(
        ctx.store.appendToStream(stream, [event('B')], { expectedRevision: 'stream_exists' }),
      ).resolves.toMatchObject({ nextExpectedRevision: 1n });
    });

    it('any: whatever the stream state', async () => {
      const stream = ctx.streamName('any');
      await expect(
        ctx.store.appendToStream(stream, [event('A')], { expectedRevision: 'any' }),
      ).resolves.toMatchObject({
        nextExpectedRevision: 0n,
      });
      await expect(
        ctx.store.appendToStream(stream, [event('B')], { expectedRevision: 'any' }),
      ).resolves.toMatchObject({
        nextExpectedRevision: 1n,
      });
    });

    it('a rejected append writes nothing', async () => {
      const stream = ctx.streamName('nothing');
      await ctx.store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
      await rejectionOf(ctx.store.appendToStream(stream, [event('B'), event('C')], { expectedRevision: 5n }));
      expect((await ctx.store.readStream(stream)).map((e) => e.type)).toEqual(['A']);
    });
  });

  describe('idempotent replay', () => {
    /** The original result as a replay answers it: flagged on engines that report replays. */
    const asReplay = <R extends object>(original: R): R =>
      ctx.store.reportsReplays === true ? { ...original, replayed: true } : original;

    it('says so when every event was already stored (same ids and content, stale revision): nothing appended', async () => {
      const stream = ctx.streamName('flag');
      await ctx.store.appendToStream(stream, [event('Before')], { expectedRevision: 'no_stream' });
      const decided = [event('Used', { units: 3 }), event('Charged', { credits: '1.5' })];
      // A fresh append: no flag.
      const original = await ctx.store.appendToStream(stream, decided, { expectedRevision: 0n });
      expect(original).toEqual({ nextExpectedRevision: 2n, position: expect.any(BigInt) });
      expect('replayed' in original).toBe(false);
      await ctx.store.appendToStream(stream, [event('After')], { expectedRevision: 2n });
      const before = await ctx.store.readStream(stream);
      // Another writer, on the state before `decided`, decided the same events (same ids and content).
      const again = decided.map((e) => ({ ...e, data: { ...e.data } }));
      const replayed = await ctx.store.appendToStream(stream, again, { expectedRevision: 0n });
      if (ctx.store.reportsReplays === true) {
        expect(replayed).toEqual({ ...original, replayed: true });
      } else {
        // EventStoreDB answers an idempotent append exactly like the original one (no marker): the
        // engine says it cannot tell, and its callers keep writers' ids apart (StreamCommandHandler).
        expect(ctx.store.reportsReplays).toBe(false);
        expect(replayed).toEqual(original);
      }
      expect(await ctx.store.readStream(stream)).toEqual(before);
      // And the next fresh append is not flagged.
      const next = await ctx.store.appendToStream(stream, [event('Next')], { expectedRevision: 3n });
      expect(next.replayed).toBeUndefined();
    });

    it.each([
      ['no_stream', () => 'no_stream' as const],
      ['an exact revision', () => 0n],
      ['any', () => 'any' as const],
    ])('returns the original result and appends nothing, with %s', async (_kind, expected) => {
      const stream = ctx.streamName('replay');
      if (expected() !== 'no_stream')
        await ctx.store.appendToStream(stream, [event('Before')], { expectedRevision: 'no_stream' });
      const events = [event('A'), event('B')];
      const original = await ctx.store.appendToStream(stream, events, { expectedRevision: expected() });
      const retried = await ctx.store.appendToStream(stream, events, { expectedRevision: expected() });
      expect(retried).toEqual(asReplay(original));
      expect((await ctx.store.readStream(stream)).map((e) => e.id).slice(-2)).toEqual(
        events.map((e) => e.id),
      );
      expect(await ctx.store.readStream(stream)).toHaveLength(expected() === 'no_stream' ? 2 : 3);
    });

    it('still replays after the stream moved on', async () => {
      const stream = ctx.streamName('moved');
      const events = [event('A')];
      const original = await ctx.store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      await ctx.store.appendToStream(stream, [event('B')], { expectedRevision: 0n });
      await expect(
        ctx.store.appendToStream(stream, events, { expectedRevision: 'no_stream' }),
      ).resolves.toEqual(asReplay(original));
      expect(await ctx.store.readStream(stream)).toHaveLength(2);
    });

    it('same ids with the same content: the original result, nothing appended', async () => {
      const stream = ctx.streamName('same-content');
      await ctx.store.appendToStream(stream, [event('Before')], { expectedRevision: 'no_stream' });
      const decided = [event('Used', { units: 3 }), event('Charged', { credits: '1.5' })];
      const original = await ctx.store.appendToStream(stream, decided, { expectedRevision: 0n });
      await ctx.store.appendToStream(stream, [event('After')], { expectedRevision: 2n });
      const again = decided.map((e) => ({ ...e, data: { ...e.data } }));
      await expect(ctx.store.appendToStream(stream, again, { expectedRevision: 0n })).resolves.toEqual(
        asReplay(original),
      );
      expect(await ctx.store.readStream(stream)).toHaveLength(4);
    });

    // Two nodes decided one command on different states: same ids (same key), other content. The
    // second must learn it lost (a version conflict, then it reads and decides again), never take
    // the first one's events for its own.
    it.each([
      ['an exact revision', 0n],
      ['no_stream', 'no_stream' as const],
    ])(
      'same ids with other content, at %s already passed: a version conflict, nothing appended',
      async (_kind, expected) => {
        const stream = ctx.streamName('other-content');
        if (expected !== 'no_stream')
          await ctx.store.appendToStream(stream, [event('Before')], { expectedRevision: 'no_stream' });
        const first = [event('Used', { units: 150 }), event('Charged', { credits: '0' })];
        await ctx.store.appendToStream(stream, first, { expectedRevision: expected });
        const before = await ctx.store.readStream(stream);
        for (const other of [
          [first[0], { ...first[1], data: { credits: '25' } }],
          [{ ...first[0], data: { units: 145 } }, first[1]],
          [{ ...first[0], type: 'Rejected' }, first[1]],
        ]) {
          const error = await rejectionOf(
            ctx.store.appendToStream(stream, other, { expectedRevision: expected }),
          );
          expect(error).toBeInstanceOf(WrongExpectedVersionError);
          expect(error).toMatchObject({ stream, actual: before[before.length - 1].revision });
        }
        expect(await ctx.store.readStream(stream)).toEqual(before);
      },
    );

    it('refuses a partial overlap and writes nothing', async () => {
      const stream = ctx.streamName('partial');
      const [a, b] = [event('A'), event('B')];
      await ctx.store.appendToStream(stream, [a, b], { expectedRevision: 'no_stream' });
      await expect(
        ctx.store.appendToStream(stream, [a, event('C')], { expectedRevision: 'no_stream' }),
      ).rejects.toBeInstanceOf(Error);
      expect((await ctx.store.readStream(stream)).map((e) => e.id)).toEqual([a.id, b.id]);
    });
  });

  describe('concurrency', () => {
    it('lets exactly one of concurrent writers at the same revision win', async () => {
      const stream = ctx.streamName('race');
      await ctx.store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
      const attempts = await Promise.allSettled(
        Array.from({ length: 10 }, () =>
          ctx.store.appendToStream(stream, [event('B')], { expectedRevision: 0n }),
        ),
      );
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      for (const attempt of attempts.filter((a) => a.status === 'rejected')) {
        expect(attempt.reason).toBeInstanceOf(WrongExpectedVersionError);
        expect(attempt.reason).toMatchObject({ actual: 1n });
      }
      expect(await ctx.store.readStream(stream)).toHaveLength(2);
    });

    it('accepts many concurrent appends to different streams', async () => {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          ctx.store.appendToStream(ctx.streamName(`many-${i}`), [event('A'), event('B')], {
            expectedRevision: 'no_stream',
          }),
        ),
      );
      expect(new Set(results.map((r) => r.position)).size).toBe(200);
      for (const i of [0, 99, 199])
        expect(await ctx.store.readStream(ctx.streamName(`many-${i}`))).toHaveLength(2);
    });
  });
}
