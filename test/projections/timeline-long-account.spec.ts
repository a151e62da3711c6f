import { HOUR, rateCard, T0 } from '@ledger/domain/testing/fixtures';
import {
  EMPTY_TIMELINE_STATE,
  evolveTimelineState,
  renderTimelineState,
  STATE_EVERY,
  type TimelineItem,
  type TimelineState,
} from '@ledger/projections';
import { readSideFixture, type ReadSideFixture } from './support/read-side-fixture';

const BOB = 'bob';
const EVENTS = 3 * STATE_EVERY + 7;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The timeline keeps the state after an event only every STATE_EVERY revisions and folds the rest
 * from the log: whatever the page size and cursor, every item must show what a fold of the whole
 * history from the first event shows.
 */
describe('timeline of an account longer than the stored-state interval', () => {
  let f: ReadSideFixture;
  const expected: TimelineState[] = [];

  beforeAll(async () => {
    f = readSideFixture();
    await f.ledger.run('OpenAccount', { accountId: BOB, plan: 'plus' }, T0);
    await f.ledger.run(
      'PurchaseCredits',
      {
        purchaseId: 'p-1',
        accountId: BOB,
        credits: '1000',
        amountPaid: { amountMinor: 1000, currency: 'USD' },
      },
      T0 + 1,
    );
    for (let i = 2; i < EVENTS; i++) {
      await f.ledger.run(
        'RecordUsage',
        {
          usageId: `u-${i}`,
          accountId: BOB,
          product: 'codex',
          operation: 'local_message',
          quantity: 1 + (i % 3),
        },
        T0 + i * 60_000,
      );
    }
    let state = EMPTY_TIMELINE_STATE;
    for (const event of f.ledger.eventsByAccount.get(BOB) ?? []) {
      state = evolveTimelineState(state, event);
      expected.push(state);
    }
    expect(expected).toHaveLength(EVENTS);
    expect(await f.readSide.waitForPosition(f.ledger.lastPosition, 10_000)).toBe(true);
  });

  afterAll(() => f.close());

  const render = (state: TimelineState, at: number) => renderTimelineState(state, at, rateCard, []);
  const check = (items: readonly TimelineItem[]) => {
    for (const item of items)
      expect(item.stateAfter).toEqual(render(expected[item.revision], Date.parse(item.recordedAt)));
  };

  it.each([1, 7, STATE_EVERY - 1, STATE_EVERY, STATE_EVERY + 1, 100])(
    'pages of %i show the folded state after every event',
    async (limit) => {
      const revisions: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await f.readSide.timelines.timeline(BOB, { cursor, limit }, rateCard);
        if (page === null) throw new Error('no timeline');
        check(page.items);
        revisions.push(...page.items.map((item) => item.revision));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(revisions).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
    },
  );

  it('shows the state as of instants on and between stored states', async () => {
    for (const revision of [
      0,
      1,
      STATE_EVERY - 1,
      STATE_EVERY,
      STATE_EVERY + 1,
      2 * STATE_EVERY + 5,
      EVENTS - 1,
    ]) {
      const at = revision < 2 ? T0 + revision : T0 + revision * 60_000;
      const page = await f.readSide.timelines.timeline(BOB, { asOf: iso(at), limit: 5 }, rateCard);
      expect(page?.stateAsOf).toEqual(render(expected[revision], at));
      expect(await f.readSide.timelines.rawStateAt(BOB, at)).toEqual(expected[revision]);
    }
    const later = T0 + EVENTS * 60_000 + 10 * HOUR;
    expect((await f.readSide.timelines.timeline(BOB, { asOf: iso(later) }, rateCard))?.stateAsOf).toEqual(
      render(expected[EVENTS - 1], later),
    );
  });
});
