import {
  context,
  contextWithUsages,
  grant,
  history,
  HOUR,
  line,
  open,
  placeHold,
  reverseUsage,
  settleHold,
  spec,
  stateOf,
  T0,
  usage,
} from '../testing/fixtures';
import type { AccountEvent } from '../account/events';
import { accountDecider } from '../account/decide';
import { AppendOnlyIndex } from '../append-only-index';
import type { IdempotencyEntry } from '../idempotency';
import { isoOf } from '../time';

/** ReverseUsage (SPEC §6). plus/codex: 5h = 10 units, weekly = 30; local_message = 1 unit or 5 credits. */
const given = (events: AccountEvent[]) => spec(contextWithUsages(events)).given(events);

describe('ReverseUsage', () => {
  it('gives the credits back to their grants and the units back to the live windows', () => {
    const events = history([open(), grant('g-1', '100'), usage('u-1', 12)]);
    given(events)
      .when(reverseUsage('r-1', 'u-1', T0 + 1000))
      .thenMatches([
        {
          type: 'UsageReversed',
          data: {
            usageId: 'u-1',
            credits: '10',
            allocations: [{ grantId: 'g-1', credits: '10' }],
            regranted: null,
            windows: [
              { window: '5h', units: 10 },
              { window: 'weekly', units: 10 },
            ],
            monthCredits: '10',
          },
        },
      ]);
    const after = stateOf(
      history([open(), grant('g-1', '100'), usage('u-1', 12), reverseUsage('r-1', 'u-1')]),
    );
    expect(after.grants[0].remaining).toBe(100_000_000n);
    expect(after.windows.map((w) => w.used)).toEqual([0, 0]);
    expect(after.monthSpend.credits).toBe(0n);
  });

  it('regrants as a new promotional grant what came from a grant expired since; units only to windows still open', () => {
    const events = history([open(), grant('g-1', '100', { expiresAt: isoOf(T0 + HOUR) }), usage('u-1', 12)]);
    given(events)
      .when(reverseUsage('r-1', 'u-1', T0 + 6 * HOUR))
      .thenMatches([
        { type: 'CreditsExpired', data: { grantId: 'g-1', credits: '90' } },
        {
          type: 'UsageReversed',
          data: {
            allocations: [],
            regranted: { grantId: 'reversal-r-1', credits: '10' },
            windows: [{ window: 'weekly', units: 10 }],
          },
        },
      ]);
  });

  it('reverses a settled hold: consumed and charged credits, one allocation per grant', () => {
    const events = history([
      open(),
      grant('g-1', '100'),
      placeHold('h-1', [line(12)]),
      settleHold('h-1', 'u-1', [line(14)]),
    ]);
    given(events)
      .when(reverseUsage('r-1', 'u-1'))
      .thenMatches([
        {
          type: 'UsageReversed',
          data: {
            credits: '20',
            allocations: [{ grantId: 'g-1', credits: '20' }],
            windows: [{ units: 10 }, { units: 10 }],
          },
        },
      ]);
  });

  it('reverses a usage at most once, replays by reversalId, and refuses unknown or rejected usages', () => {
    const events = history([open(), grant('g-1', '100'), usage('u-1', 12), reverseUsage('r-1', 'u-1')]);
    given(events)
      .when(reverseUsage('r-1', 'u-1'))
      .thenReplay(events.length - 1);
    given(events).when(reverseUsage('r-2', 'u-1')).thenError('conflict');
    given(events).when(reverseUsage('r-3', 'u-9')).thenError('not_found');
    const rejected = history([open('free'), usage('u-1', 6)]);
    given(rejected).when(reverseUsage('r-1', 'u-1')).thenError('conflict');
  });
});

describe('ReverseUsage — the usage event comes from the shell, not from keys in state', () => {
  it('reverses a usage whose key the shell moved out of the state, and refuses an event of another usage or account', () => {
    const events = history([open(), grant('g-1', '100'), usage('u-1', 12)]);
    const state = { ...stateOf(events), idempotency: AppendOnlyIndex.empty<string, IdempotencyEntry>() };
    const decision = accountDecider.decide(reverseUsage('r-1', 'u-1'), state, contextWithUsages(events));
    expect(decision).toMatchObject({
      kind: 'events',
      events: [{ type: 'UsageReversed', data: { credits: '10' } }],
    });
    const usageEvent = events.at(-1) as AccountEvent;
    const elsewhere = { ...usageEvent, data: { ...usageEvent.data, accountId: 'acct-2' } } as AccountEvent;
    for (const wrong of [elsewhere, usageEvent]) {
      const refused = accountDecider.decide(
        reverseUsage('r-1', wrong === usageEvent ? 'u-2' : 'u-1'),
        state,
        {
          ...context,
          usageEventOf: () => wrong,
        },
      );
      expect(refused).toMatchObject({ kind: 'error', error: { code: 'not_found' } });
    }
  });
});
