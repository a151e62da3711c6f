import type { GlobalLimitsReset } from './limits-resets/limits-resets';
import {
  ACCOUNT,
  changePlan,
  context,
  HOUR,
  history,
  open,
  purchase,
  resetAccount,
  spec,
  T0,
  usage,
} from './testing/fixtures';
import { isoOf } from './time';

const at = (h: number) => T0 + h * HOUR;
const windowsOf = (events: ReturnType<typeof history>) => {
  const last = events[events.length - 1];
  return last.type === 'UsageRecorded' || last.type === 'UsageRejected' ? last.data.windows : [];
};
const reset = (over: Partial<GlobalLimitsReset>): GlobalLimitsReset => ({
  resetId: 'r-1',
  scope: 'all',
  plan: null,
  product: null,
  resetAt: at(1),
  ...over,
});

describe('windows (SPEC §2 Windows)', () => {
  it('opens a window anchored to the first use, resetsAt = startedAt + durationMs', () => {
    spec()
      .given(history([open('plus', at(-10))]))
      .when(usage('u-1', 2, { now: at(1) }))
      .thenMatches([
        {
          type: 'UsageRecorded',
          data: {
            windows: [
              {
                window: '5h',
                used: 2,
                limit: 10,
                remaining: 8,
                startedAt: isoOf(at(1)),
                resetsAt: isoOf(at(6)),
              },
              {
                window: 'weekly',
                used: 2,
                limit: 30,
                remaining: 28,
                startedAt: isoOf(at(1)),
                resetsAt: isoOf(at(1 + 168)),
              },
            ],
          },
        },
      ]);
  });

  it('keeps counting in the open window until it ends', () => {
    spec()
      .given(history([open(), usage('u-1', 2, { now: at(0) })]))
      .when(usage('u-2', 3, { now: at(4.9) }))
      .thenMatches([{ data: { windows: [{ used: 5, startedAt: isoOf(at(0)) }, { used: 5 }] } }]);
  });

  it('opens the next window at the first use after the previous one ended, not back to back', () => {
    spec()
      .given(history([open(), usage('u-1', 2, { now: at(0) })]))
      .when(usage('u-2', 1, { now: at(7) }))
      .thenMatches([
        {
          data: {
            windows: [
              { window: '5h', used: 1, startedAt: isoOf(at(7)), resetsAt: isoOf(at(12)) },
              { window: 'weekly', used: 3, startedAt: isoOf(at(0)) },
            ],
          },
        },
      ]);
  });

  it('counts units against every window; the allowance left is the minimum remaining', () => {
    // weekly has 30 - 28 = 2 left while the fresh 5h window has 10: only 2 units are covered.
    const given = history([
      open(),
      purchase('p-1', '100'),
      usage('u-1', 10, { now: at(0) }),
      usage('u-2', 10, { now: at(6) }),
      usage('u-3', 8, { now: at(12) }),
    ]);
    spec()
      .given(given)
      .when(usage('u-4', 3, { now: at(18) }))
      .thenMatches([
        { data: { allowanceUnits: 2, overageUnits: 1, windows: [{ used: 2 }, { used: 30, remaining: 0 }] } },
      ]);
  });

  it('gives no allowance for a product the plan has no windows for', () => {
    spec()
      .given(history([open()]))
      .when(usage('u-1', 1, { product: 'chatgpt_excel', operation: 'workbook_task' }))
      .thenMatches([
        {
          type: 'UsageRejected',
          data: { reason: 'insufficient_credits', windows: [], units: 1, overageUnits: 1 },
        },
      ]);
  });

  it('voids windows started before a global reset (scope all): the next use opens a new window', () => {
    spec({ ...context, resets: [reset({})] })
      .given(history([open(), usage('u-1', 9, { now: at(0) })]))
      .when(usage('u-2', 1, { now: at(2) }))
      .thenMatches([
        {
          data: {
            windows: [
              { used: 1, startedAt: isoOf(at(2)) },
              { used: 1, startedAt: isoOf(at(2)) },
            ],
          },
        },
      ]);
  });

  it('voids windows on a plan-scoped reset only for accounts on that plan', () => {
    const given = history([open(), usage('u-1', 9, { now: at(0) })]);
    spec({ ...context, resets: [reset({ scope: 'plan', plan: 'pro' })] })
      .given(given)
      .when(usage('u-2', 1, { now: at(2) }))
      .thenMatches([{ data: { windows: [{ used: 10 }, { used: 10 }] } }]);
    spec({ ...context, resets: [reset({ scope: 'plan', plan: 'plus' })] })
      .given(given)
      .when(usage('u-2', 1, { now: at(2) }))
      .thenMatches([{ data: { windows: [{ used: 1 }, { used: 1 }] } }]);
  });

  it('honours the product filter of a reset', () => {
    spec({ ...context, resets: [reset({ product: 'chatgpt_excel' })] })
      .given(history([open(), usage('u-1', 9, { now: at(0) })]))
      .when(usage('u-2', 1, { now: at(2) }))
      .thenMatches([{ data: { windows: [{ used: 10 }, { used: 10 }] } }]);
  });

  it('does not void a window that started after the reset', () => {
    spec({ ...context, resets: [reset({ resetAt: at(0) })] })
      .given(history([open(), usage('u-1', 4, { now: at(0) })]))
      .when(usage('u-2', 1, { now: at(2) }))
      .thenMatches([{ data: { windows: [{ used: 5 }, { used: 5 }] } }]);
  });

  it('voids the account windows on an account-scoped reset (ResetAccountLimits)', () => {
    const given = history([open(), usage('u-1', 9, { now: at(0) })]);
    spec()
      .given(given)
      .when(resetAccount('r-1', at(1)))
      .thenMatches([
        { type: 'AccountLimitsReset', data: { resetId: 'r-1', accountId: ACCOUNT, product: null } },
      ]);
    spec()
      .given(history([open(), usage('u-1', 9, { now: at(0) }), resetAccount('r-1', at(1))]))
      .when(usage('u-2', 1, { now: at(2) }))
      .thenMatches([{ data: { windows: [{ used: 1, startedAt: isoOf(at(2)) }, { used: 1 }] } }]);
  });

  it('applies the new plan limits to the current windows, keeping used (ChangePlan)', () => {
    spec()
      .given(history([open('plus'), usage('u-1', 8, { now: at(0) }), changePlan('pro', at(1))]))
      .when(usage('u-2', 5, { now: at(2) }))
      .thenMatches([
        {
          data: {
            allowanceUnits: 5,
            windows: [
              { used: 13, limit: 100, startedAt: isoOf(at(0)) },
              { used: 13, limit: 1000 },
            ],
          },
        },
      ]);
  });

  it('shows remaining 0, never negative, after a plan change down', () => {
    spec()
      .given(history([open('pro'), usage('u-1', 20, { now: at(0) }), changePlan('plus', at(1))]))
      .when(usage('u-2', 1, { now: at(2) }))
      .thenMatches([
        {
          type: 'UsageRejected',
          data: {
            windows: [
              { used: 20, limit: 10, remaining: 0 },
              { used: 20, remaining: 10 },
            ],
          },
        },
      ]);
  });

  it('exposes the windows after the decision for the caller', () => {
    expect(windowsOf(history([open(), usage('u-1', 1)]))).toHaveLength(2);
  });
});
