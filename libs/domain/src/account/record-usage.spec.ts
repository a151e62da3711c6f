import { accountDecider } from './decide';
import type { UsageRecorded, UsageRejected } from './events';
import { usageOutcomeOf } from './usage-outcome';
import {
  context,
  DAY,
  history,
  HOUR,
  MINUTE,
  open,
  purchase,
  spec,
  stateOf,
  T0,
  usage,
} from '../testing/fixtures';
import { isoOf } from '../time';

describe('RecordUsage — idempotency (SPEC §2 Recording usage 1)', () => {
  it('replays a repeated usageId with the same payload, appending nothing', () => {
    spec()
      .given(history([open(), usage('u-1', 1)]))
      .when(usage('u-1', 1, { now: T0 + HOUR }))
      .thenReplay(1);
  });

  it('answers conflict for the same usageId with a different payload', () => {
    spec()
      .given(history([open(), usage('u-1', 1)]))
      .when(usage('u-1', 2))
      .thenError('conflict');
  });

  it('keeps a rejected usage rejected on replay, even after credits arrive', () => {
    spec()
      .given(history([open('free'), usage('u-1', 6), purchase('p-1', '100')]))
      .when(usage('u-1', 6))
      .thenReplay(1);
  });
});

describe('RecordUsage — validation (400s)', () => {
  const given = () => history([open()]);
  it('refuses an unknown product or operation, never charging 0', () => {
    spec()
      .given(given())
      .when(usage('u-1', 1, { product: 'dalle' }))
      .thenError('invalid', ['product']);
    spec()
      .given(given())
      .when(usage('u-1', 1, { operation: 'teleport' }))
      .thenError('invalid', ['operation']);
  });

  it('refuses a retired product', () => {
    spec()
      .given(given())
      .when(usage('u-1', 1, { product: 'sora', operation: 'video_second' }))
      .thenError('invalid', ['product']);
  });

  it('refuses a quantity that is not a positive integer ≤ 1e9, and a malformed usageId', () => {
    spec().given(given()).when(usage('u-1', 0)).thenError('invalid', ['quantity']);
    spec().given(given()).when(usage('u-1', 1.5)).thenError('invalid', ['quantity']);
    spec().given(given()).when(usage('bad id', 1)).thenError('invalid', ['usageId']);
  });

  it('refuses occurredAt more than 5 minutes ahead or 35 days behind the ledger clock, and keeps it otherwise', () => {
    spec()
      .given(given())
      .when(usage('u-1', 1, { occurredAt: isoOf(T0 + 5 * MINUTE + 1) }))
      .thenError('invalid', ['occurredAt']);
    spec()
      .given(given())
      .when(usage('u-1', 1, { occurredAt: isoOf(T0 - 35 * DAY - 1) }))
      .thenError('invalid', ['occurredAt']);
    spec()
      .given(given())
      .when(usage('u-1', 1, { occurredAt: 'yesterday' }))
      .thenError('invalid', ['occurredAt']);
    spec()
      .given(given())
      .when(usage('u-1', 1, { occurredAt: isoOf(T0 - 35 * DAY), surface: 'cli' }))
      .thenMatches([{ data: { occurredAt: isoOf(T0 - 35 * DAY), surface: 'cli', recordedAt: isoOf(T0) } }]);
  });
});

describe('RecordUsage — rejection reasons and their precedence (SPEC §2 Recording usage 4)', () => {
  it('rejects overage on a plan whose entry has creditsAllowed false (overage_not_allowed), even with credits', () => {
    spec()
      .given(history([open('free'), purchase('p-1', '100')]))
      .when(usage('u-1', 6))
      .thenMatches([
        {
          type: 'UsageRejected',
          data: {
            reason: 'overage_not_allowed',
            units: 6,
            overageUnits: 1,
            requiredCredits: '5',
            balanceAfter: '100',
          },
        },
      ]);
  });

  it('charges nothing on rejection, not even the allowance part', () => {
    const events = history([open(), usage('u-1', 11)]);
    expect(events[1]).toMatchObject({
      type: 'UsageRejected',
      data: { reason: 'insufficient_credits', windows: [{ used: 0 }, { used: 0 }] },
    });
    spec()
      .given(events)
      .when(usage('u-2', 10))
      .thenMatches([{ type: 'UsageRecorded', data: { allowanceUnits: 10 } }]);
  });

  it('sets resetsAt to the latest resetsAt among the windows that block the usage', () => {
    spec()
      .given(history([open(), usage('u-1', 9)]))
      .when(usage('u-2', 2, { now: T0 + HOUR }))
      .thenMatches([{ data: { reason: 'insufficient_credits', resetsAt: isoOf(T0 + 5 * HOUR) } }]);
    // weekly exhausted too: the later weekly reset is when the allowance covers it again
    const weekly = history([
      open(),
      usage('a', 10),
      usage('b', 10, { now: T0 + 6 * HOUR }),
      usage('c', 10, { now: T0 + 12 * HOUR }),
    ]);
    spec()
      .given(weekly)
      .when(usage('u-2', 1, { now: T0 + 18 * HOUR }))
      .thenMatches([{ data: { resetsAt: isoOf(T0 + 7 * DAY) } }]);
  });

  it('sets resetsAt null when no wait helps (units above a window limit, or credits-only)', () => {
    spec()
      .given(history([open()]))
      .when(usage('u-1', 11))
      .thenMatches([{ data: { resetsAt: null } }]);
    spec()
      .given(history([open()]))
      .when(usage('u-1', 1, { operation: 'gpt-5.5:output_tokens' }))
      .thenMatches([
        { data: { reason: 'insufficient_credits', resetsAt: null, requiredCredits: '0.00075' } },
      ]);
  });
});

describe('usageOutcomeOf (API.md Usage outcome)', () => {
  it('builds the accepted outcome from the event alone', () => {
    const events = history([open(), purchase('p-1', '100'), usage('u-1', 12)]);
    expect(usageOutcomeOf(events[2] as UsageRecorded)).toEqual({
      usageId: 'u-1',
      accountId: 'acct-1',
      outcome: 'accepted',
      reason: null,
      charged: { allowanceUnits: 10, credits: '10', allocations: [{ grantId: 'p-1', credits: '10' }] },
      requiredCredits: null,
      resetsAt: null,
      windows: [
        {
          product: 'codex',
          window: '5h',
          used: 10,
          held: 0,
          limit: 10,
          remaining: 0,
          usedPercent: 100,
          startedAt: isoOf(T0),
          resetsAt: isoOf(T0 + 5 * HOUR),
        },
        {
          product: 'codex',
          window: 'weekly',
          used: 10,
          held: 0,
          limit: 30,
          remaining: 20,
          usedPercent: 33,
          startedAt: isoOf(T0),
          resetsAt: isoOf(T0 + 7 * DAY),
        },
      ],
      credits: { balance: '90', held: '0' },
      recordedAt: isoOf(T0),
    });
  });

  it('builds the rejected outcome with charged all zero', () => {
    const decision = accountDecider.decide(usage('u-1', 11), stateOf(history([open()])), context);
    const event = decision.kind === 'events' ? (decision.events[0] as UsageRejected) : undefined;
    expect(usageOutcomeOf(event as UsageRejected)).toMatchObject({
      outcome: 'rejected',
      reason: 'insufficient_credits',
      charged: { allowanceUnits: 0, credits: '0', allocations: [] },
      requiredCredits: '5',
      credits: { balance: '0' },
    });
  });
});
