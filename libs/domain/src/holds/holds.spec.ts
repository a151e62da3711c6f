import {
  cap,
  changePlan,
  context,
  contextWithUsages,
  DAY,
  expire,
  expireHold,
  grant,
  history,
  HOUR,
  line,
  open,
  placeHold,
  purchase,
  refund,
  releaseHold,
  resetAccount,
  reverseUsage,
  settleHold,
  spec,
  stateOf,
  T0,
  usage,
} from '../testing/fixtures';
import { isoOf } from '../time';
import { accountView, entitlement } from '../account/view';
import type { AccountCommand } from '../account/commands';
import type { DecisionContext } from '../account/decision';
import type { AccountEvent } from '../account/events';
import type { GlobalLimitsReset } from '../limits-resets/limits-resets';
import { accountDecider } from '../account/decide';
import { AppendOnlyIndex } from '../append-only-index';
import type { IdempotencyEntry } from '../idempotency';
import { LATEST_LEDGER_TIME } from '../time';
import { MAX_OPEN_HOLDS } from './commands';

/**
 * Holds (SPEC §6, holds/RULES.md). Test rate card: plus/codex has windows 5h = 10 units and
 * weekly = 30 units; local_message = 1 unit or 5 credits a message.
 */
const funded = () => [open(), grant('g-1', '100', { priority: 10 }), purchase('p-1', '100')];

describe('PlaceHold — decided like usage, consuming nothing', () => {
  it('holds allowance units from every window, then overage credits in burn order', () => {
    spec()
      .given(history(funded()))
      .when(placeHold('h-1', [line(12)]))
      .thenMatches([
        {
          type: 'HoldPlaced',
          data: {
            holdId: 'h-1',
            allowanceUnits: 10,
            credits: '10',
            allocations: [{ grantId: 'g-1', credits: '10' }],
            expiresAt: isoOf(T0 + HOUR),
            balanceAfter: '190',
            windows: [
              { window: '5h', startedAt: isoOf(T0) },
              { window: 'weekly', startedAt: isoOf(T0) },
            ],
          },
        },
      ]);
  });

  it('makes held units and credits invisible to usage (and the cap counts them)', () => {
    const given = history([...funded(), placeHold('h-1', [line(12)])]);
    spec()
      .given(given)
      .when(usage('u-1', 1))
      .thenMatches([
        {
          type: 'UsageRecorded',
          data: {
            allowanceUnits: 0,
            creditsCharged: '5',
            balanceAfter: '185',
            windows: [{ used: 0 }, { used: 0 }],
          },
        },
      ]);
    spec()
      .given(history([open(), grant('g-1', '12'), placeHold('h-1', [line(12)])]))
      .when(usage('u-1', 1))
      .thenMatches([{ type: 'UsageRejected', data: { reason: 'insufficient_credits', balanceAfter: '2' } }]);
    spec()
      .given(history([open(), grant('g-1', '100'), cap('12'), placeHold('h-1', [line(12)])]))
      .when(usage('u-1', 1))
      .thenMatches([{ type: 'UsageRejected', data: { reason: 'spending_cap_reached' } }]);
  });

  it('is invisible to the entitlement dry run', () => {
    const state = stateOf(history([open(), grant('g-1', '12'), placeHold('h-1', [line(12)])]));
    const result = entitlement(
      state,
      { product: 'codex', operation: 'local_message', quantity: 1 },
      T0,
      context,
    );
    expect(result).toMatchObject({
      ok: true,
      entitlement: { allowed: false, reason: 'insufficient_credits' },
    });
  });

  it('is invisible to another hold too', () => {
    spec()
      .given(history([open(), grant('g-1', '10'), placeHold('h-1', [line(12)])]))
      .when(placeHold('h-2', [line(1)]))
      .thenMatches([
        { type: 'HoldRejected', data: { reason: 'insufficient_credits', requiredCredits: '5' } },
      ]);
  });

  it('rejects like usage, records HoldRejected and replays it on retry even after credits arrive', () => {
    spec()
      .given(history([open('free')]))
      .when(placeHold('h-1', [line(6)]))
      .thenMatches([{ type: 'HoldRejected', data: { reason: 'overage_not_allowed', requiredCredits: '5' } }]);
    spec()
      .given(history([open(), placeHold('h-1', [line(11)]), grant('g-1', '100')]))
      .when(placeHold('h-1', [line(11)]))
      .thenReplay(1);
  });

  it('answers conflict for the same holdId with another payload, and refuses bad input', () => {
    spec()
      .given(history([...funded(), placeHold('h-1', [line(1)])]))
      .when(placeHold('h-1', [line(2)]))
      .thenError('conflict');
    spec().given(history(funded())).when(placeHold('h-1', [])).thenError('invalid', ['lines']);
    spec()
      .given(history(funded()))
      .when(placeHold('h-1', [line(1)], { ttlSeconds: 86_401 }))
      .thenError('invalid', ['ttlSeconds']);
    spec()
      .given(history(funded()))
      .when(placeHold('h-1', [line(1, 'teleport')]))
      .thenError('invalid', ['lines[0].operation']);
  });
});

describe('SettleHold', () => {
  const held = () => [...funded(), placeHold('h-1', [line(12)])];

  it('within the hold: units first, then held credits in order; the rest released', () => {
    spec()
      .given(history(held()))
      .when(settleHold('h-1', 'u-1', [line(11)], T0 + 60_000))
      .thenMatches([
        {
          type: 'HoldSettled',
          data: {
            usageId: 'u-1',
            consumed: { allowanceUnits: 10, credits: '5', allocations: [{ grantId: 'g-1', credits: '5' }] },
            charged: { allowanceUnits: 0, credits: '0', allocations: [] },
            released: {
              allowanceUnits: 0,
              credits: '5',
              allocations: [{ grantId: 'g-1', credits: '5' }],
              expired: [],
            },
            uncollected: { credits: '0', reason: null },
            windows: [{ used: 10 }, { used: 10 }],
            balanceAfter: '195',
          },
        },
      ]);
  });

  it('beyond the hold: the excess is charged like new usage at settle time', () => {
    spec()
      .given(history(held()))
      .when(settleHold('h-1', 'u-1', [line(14)]))
      .thenMatches([
        {
          type: 'HoldSettled',
          data: {
            consumed: { allowanceUnits: 10, credits: '10' },
            charged: { allowanceUnits: 0, credits: '10', allocations: [{ grantId: 'g-1', credits: '10' }] },
            uncollected: { credits: '0', reason: null },
            balanceAfter: '180',
          },
        },
      ]);
  });

  it('posts what cannot be paid to uncollected with the reason, never a negative balance', () => {
    const events = history([open(), grant('g-1', '12'), placeHold('h-1', [line(12)])]);
    spec()
      .given(events)
      .when(settleHold('h-1', 'u-1', [line(14)]))
      .thenMatches([
        {
          type: 'HoldSettled',
          data: {
            consumed: { credits: '10' },
            charged: { credits: '2' },
            uncollected: { credits: '8', reason: 'insufficient_credits' },
            balanceAfter: '0',
          },
        },
      ]);
  });

  it('replays a repeated settlement and names the state when the hold is no longer held', () => {
    const settled = history([...held(), settleHold('h-1', 'u-1', [line(1)])]);
    spec()
      .given(settled)
      .when(settleHold('h-1', 'u-1', [line(1)]))
      .thenReplay(settled.length - 1);
    const second = spec()
      .given(settled)
      .when(settleHold('h-1', 'u-2', [line(1)]));
    second.thenError('conflict');
    expect(second.decision).toMatchObject({ error: { message: 'hold "h-1" is settled' } });
    const released = spec()
      .given(history([...held(), releaseHold('h-1')]))
      .when(settleHold('h-1', 'u-1', [line(1)]));
    expect(released.decision).toMatchObject({
      error: { code: 'conflict', message: 'hold "h-1" is released' },
    });
    spec()
      .given(history(funded()))
      .when(settleHold('h-9', 'u-1', [line(1)]))
      .thenError('not_found');
  });
});

describe('ReleaseHold and expiry', () => {
  const held = () => [...funded(), placeHold('h-1', [line(12)], { ttlSeconds: 600 })];

  it('gives the held credits back to their grants and the units back to the windows', () => {
    const events = history([...held(), releaseHold('h-1')]);
    expect(events.at(-1)).toMatchObject({
      type: 'HoldReleased',
      data: {
        released: { allowanceUnits: 10, credits: '10', allocations: [{ grantId: 'g-1', credits: '10' }] },
      },
    });
    spec()
      .given(events)
      .when(usage('u-1', 10))
      .thenMatches([
        { type: 'UsageRecorded', data: { allowanceUnits: 10, creditsCharged: '0', balanceAfter: '200' } },
      ]);
  });

  it('replays a repeated release; a release of a settled hold is a conflict', () => {
    const events = history([...held(), releaseHold('h-1')]);
    spec()
      .given(events)
      .when(releaseHold('h-1'))
      .thenReplay(events.length - 1);
    spec()
      .given(history([...held(), settleHold('h-1', 'u-1', [line(1)])]))
      .when(releaseHold('h-1'))
      .thenError('conflict');
  });

  it('expires by itself at expiresAt, lazily before the next command of the stream', () => {
    spec()
      .given(history(held()))
      .when(usage('u-1', 10, { now: T0 + 600_000 }))
      .thenMatches([
        { type: 'HoldExpired', data: { holdId: 'h-1', released: { allowanceUnits: 10, credits: '10' } } },
        { type: 'UsageRecorded', data: { allowanceUnits: 10, creditsCharged: '0' } },
      ]);
  });

  it('expires by the scheduler (ExpireHold), idempotently, and a settle after expiry names the state', () => {
    spec()
      .given(history(held()))
      .when(expireHold('h-1', T0 + 600_000))
      .thenMatches([{ type: 'HoldExpired', data: { holdId: 'h-1' } }]);
    spec()
      .given(history(held()))
      .when(expireHold('h-1', T0 + 1000))
      .thenNothing();
    const expired = history([...held(), expireHold('h-1', T0 + 600_000)]);
    spec()
      .given(expired)
      .when(expireHold('h-1', T0 + 700_000))
      .thenNothing();
    const late = spec()
      .given(expired)
      .when(settleHold('h-1', 'u-1', [line(1)], T0 + 700_000));
    expect(late.decision).toMatchObject({ error: { code: 'conflict', message: 'hold "h-1" is expired' } });
    // Not yet appended: the settle at expiry sees the lazy expiry and is refused, appending nothing.
    const lazy = spec()
      .given(history(held()))
      .when(settleHold('h-1', 'u-1', [line(1)], T0 + 600_000));
    expect(lazy.decision).toMatchObject({ error: { code: 'conflict', message: 'hold "h-1" is expired' } });
  });
});

describe('While a hold is open (holds/RULES.md)', () => {
  it('window ends: held units lapse with it; consumed units are not charged to the next window', () => {
    const events = history([
      open(),
      grant('g-1', '100'),
      placeHold('h-1', [line(4)], { ttlSeconds: 86_400 }),
    ]);
    // The 5h window ended; the weekly one is still live.
    spec()
      .given(events)
      .when(settleHold('h-1', 'u-1', [line(4)], T0 + 6 * HOUR))
      .thenMatches([
        {
          type: 'HoldSettled',
          data: {
            consumed: { allowanceUnits: 4, credits: '0' },
            charged: { allowanceUnits: 0, credits: '0' },
            windows: [
              { window: '5h', used: 0, startedAt: null },
              { window: 'weekly', used: 4 },
            ],
          },
        },
      ]);
    // Meanwhile a new 5h window gives its full limit to usage: the lapsed held units are not in it.
    spec()
      .given(events)
      .when(usage('u-2', 10, { now: T0 + 6 * HOUR }))
      .thenMatches([{ type: 'UsageRecorded', data: { allowanceUnits: 10, creditsCharged: '0' } }]);
  });

  it('window reset: the same, held units of a voided window lapse and nothing is charged twice', () => {
    const events = history([open(), placeHold('h-1', [line(4)]), resetAccount('r-1', T0 + 1000)]);
    spec()
      .given(events)
      .when(usage('u-1', 10, { now: T0 + 2000 }))
      .thenMatches([{ type: 'UsageRecorded', data: { allowanceUnits: 10 } }]);
    spec()
      .given(events)
      .when(settleHold('h-1', 'u-1', [line(4)], T0 + 2000))
      .thenMatches([
        {
          type: 'HoldSettled',
          data: {
            consumed: { allowanceUnits: 4 },
            charged: { allowanceUnits: 0 },
            windows: [{ used: 0 }, { used: 0 }],
          },
        },
      ]);
  });

  it('grant expires: the held share stays held and can be settled; released, it is written off as expired', () => {
    const given = [
      open(),
      grant('g-1', '20', { expiresAt: isoOf(T0 + 30 * 60_000) }),
      placeHold('h-1', [line(12)]),
    ];
    spec()
      .given(history(given))
      .when(settleHold('h-1', 'u-1', [line(12)], T0 + 40 * 60_000))
      .thenMatches([
        { type: 'CreditsExpired', data: { grantId: 'g-1', credits: '10' } },
        {
          type: 'HoldSettled',
          data: { consumed: { credits: '10', allocations: [{ grantId: 'g-1', credits: '10' }] } },
        },
      ]);
    spec()
      .given(history(given))
      .when(releaseHold('h-1', T0 + 40 * 60_000))
      .thenMatches([
        { type: 'CreditsExpired', data: { grantId: 'g-1', credits: '10' } },
        {
          type: 'HoldReleased',
          data: {
            released: { credits: '10', allocations: [], expired: [{ grantId: 'g-1', credits: '10' }] },
          },
        },
      ]);
  });

  it('grant refunded: a purchase with held credits cannot be refunded until the hold ends', () => {
    const given = [open(), purchase('p-1', '100'), placeHold('h-1', [line(12)])];
    spec().given(history(given)).when(refund('rf-1', 'p-1')).thenError('conflict');
    spec()
      .given(history([...given, releaseHold('h-1')]))
      .when(refund('rf-1', 'p-1'))
      .thenMatches([{ type: 'PurchaseRefunded', data: { credits: '100' } }]);
  });

  it('plan changes: what is held stays held; the excess at settle follows the plan of settle time', () => {
    const given = [open(), grant('g-1', '100'), placeHold('h-1', [line(12)]), changePlan('free')];
    spec()
      .given(history(given))
      .when(settleHold('h-1', 'u-1', [line(14)]))
      .thenMatches([
        {
          type: 'HoldSettled',
          data: {
            consumed: { allowanceUnits: 10, credits: '10' },
            charged: { credits: '0' },
            uncollected: { credits: '10', reason: 'overage_not_allowed' },
          },
        },
      ]);
  });

  it('spending cap changes: a lower cap does not cancel the hold; it limits the excess at settle', () => {
    const given = [open(), grant('g-1', '100'), placeHold('h-1', [line(12)]), cap('15')];
    spec()
      .given(history(given))
      .when(settleHold('h-1', 'u-1', [line(14)]))
      .thenMatches([
        {
          type: 'HoldSettled',
          data: {
            consumed: { credits: '10' },
            charged: { credits: '5' },
            uncollected: { credits: '5', reason: 'spending_cap_reached' },
          },
        },
      ]);
    expect(stateOf(history([...given, settleHold('h-1', 'u-1', [line(14)])])).monthSpend.credits).toBe(
      15_000_000n,
    );
  });

  it('credit expiry by the scheduler leaves held credits alone', () => {
    const given = [open(), grant('g-1', '20', { expiresAt: isoOf(T0 + DAY) }), placeHold('h-1', [line(12)])];
    spec()
      .given(history(given))
      .when(expire(T0 + 1000))
      .thenNothing();
  });
});

describe('Guards found in review (issue 17)', () => {
  it('never places a second hold under an id, even when its key is no longer in state', () => {
    // The shell moves older idempotency keys out of the state into its own index (snapshots).
    const withoutKeys = (commands: Parameters<typeof history>[0]) => ({
      ...stateOf(history(commands)),
      idempotency: AppendOnlyIndex.empty<string, IdempotencyEntry>(),
    });
    const open1 = accountDecider.decide(
      placeHold('h-1', [line(12)]),
      withoutKeys([...funded(), placeHold('h-1', [line(12)])]),
      context,
    );
    // A second HoldPlaced would replace the open hold and lose the 10 credits it keeps.
    expect(open1).toMatchObject({
      kind: 'error',
      error: { code: 'conflict', message: 'hold "h-1" already exists (held)' },
    });
    const closed = accountDecider.decide(
      placeHold('h-1', [line(1)]),
      withoutKeys([...funded(), placeHold('h-1', [line(12)]), releaseHold('h-1')]),
      context,
    );
    expect(closed).toMatchObject({
      kind: 'error',
      error: { code: 'conflict', message: 'hold "h-1" already exists (released)' },
    });
  });

  it('checks the end of a window a settlement opens against the ledger range (SPEC §10)', () => {
    const now = LATEST_LEDGER_TIME - 2 * DAY; // a weekly window opened now would end in year 10000
    const given = [
      open('plus', now),
      grant('g-1', '100', { now }),
      // Credits only: the hold opens no window.
      placeHold('h-1', [line(1000, 'gpt-5.5:output_tokens')], { now }),
    ];
    spec()
      .given(history(given))
      .when(settleHold('h-1', 'u-1', [line(1000, 'gpt-5.5:output_tokens'), line(1)], now))
      .thenError('invalid', ['product']);
    // Without allowance units beyond the hold, nothing opens and the settlement goes through.
    spec()
      .given(history(given))
      .when(settleHold('h-1', 'u-1', [line(1000, 'gpt-5.5:output_tokens')], now))
      .thenMatches([
        {
          type: 'HoldSettled',
          data: { consumed: { credits: '0.75' }, windows: [{ startedAt: null }, { startedAt: null }] },
        },
      ]);
  });
});

/**
 * Found by the seeded simulation (test/reliability known-bugs, issue 17): a window instance is
 * name + startedAt, and a window reset and reopened in the millisecond a hold anchored it has the
 * same startedAt. The held units lapse with the instance when it leaves the account's windows
 * (holds/RULES.md 1), so the successor starts full whatever its startedAt.
 */
describe('A window replaced in the millisecond a hold holds in it (holds/RULES.md 1)', () => {
  const reset: GlobalLimitsReset = { resetId: 'R', scope: 'all', plan: null, product: null, resetAt: T0 };
  const withReset: DecisionContext = { ...context, resets: [reset] };
  const fresh = (used: number, held = 0) => [
    { window: '5h', used, held, limit: 10, remaining: 10 - used - held, startedAt: isoOf(T0) },
    { window: 'weekly', used, held, limit: 30, remaining: 30 - used - held, startedAt: isoOf(T0) },
  ];

  it('account reset at the hold’s ms, then usage at the same ms: the new windows start full, nothing held', () => {
    const given = history([open(), placeHold('h-1', [line(10)]), resetAccount('r-1', T0)]);
    expect(stateOf(given).holds.get('h-1')?.windows).toEqual([]);
    spec()
      .given(given)
      .when(usage('u-1', 3))
      .thenMatches([{ type: 'UsageRecorded', data: { allowanceUnits: 3, windows: fresh(3) } }]);
    const after = stateOf(
      history([open(), placeHold('h-1', [line(10)]), resetAccount('r-1', T0), usage('u-1', 3)]),
    );
    expect(after.windows.map((w) => w.used)).toEqual([3, 3]);
    expect(accountView(after, T0, context)?.windows).toMatchObject(fresh(3));
    // Another hold in the new windows is counted there, the lapsed one is not.
    spec()
      .given(
        history([open(), placeHold('h-1', [line(10)]), resetAccount('r-1', T0), placeHold('h-2', [line(2)])]),
      )
      .when(usage('u-1', 3))
      .thenMatches([{ type: 'UsageRecorded', data: { windows: fresh(3, 2) } }]);
  });

  it('settle after such a reset: units within the hold covered, the new window untouched, nothing charged twice', () => {
    const given = history([
      open(),
      grant('g-1', '100'),
      placeHold('h-1', [line(4)]),
      resetAccount('r-1', T0),
      usage('u-1', 3),
    ]);
    spec()
      .given(given)
      .when(settleHold('h-1', 's-1', [line(6)]))
      .thenMatches([
        {
          type: 'HoldSettled',
          data: {
            heldIn: [],
            consumed: { allowanceUnits: 4, credits: '0' },
            // Only the units beyond the hold are charged to the new windows.
            charged: { allowanceUnits: 2, credits: '0' },
            released: { allowanceUnits: 0, credits: '0' },
            windows: fresh(5),
          },
        },
      ]);
    // A reversal gives back only what the new windows counted (2 each), never the hold's 4.
    const settled = [...given, ...decided(given, settleHold('h-1', 's-1', [line(6)]), context)];
    spec(contextWithUsages(settled))
      .given(settled)
      .when(reverseUsage('rv-1', 's-1'))
      .thenMatches([
        {
          type: 'UsageReversed',
          data: {
            windows: [
              { window: '5h', units: 2 },
              { window: 'weekly', units: 2 },
            ],
          },
        },
      ]);
  });

  it('global reset at the hold’s ms: a window the hold opened in that ms is not voided and keeps what is held', () => {
    // windows.ts: a reset voids windows started strictly before it, held units included.
    const given = history([open(), placeHold('h-1', [line(4)])]);
    spec(withReset)
      .given(given)
      .when(usage('u-1', 3))
      .thenMatches([{ type: 'UsageRecorded', data: { windows: fresh(3, 4) } }]);
  });

  it('global reset at the hold’s ms voiding the window it held in: the successor starts full; settle covers the hold', () => {
    const before = T0 - 1000;
    const given = history([
      open('plus', before),
      grant('g-1', '100', { now: before }),
      placeHold('h-1', [line(4)], { now: before }),
    ]);
    spec(withReset)
      .given(given)
      .when(usage('u-1', 3))
      .thenMatches([{ type: 'UsageRecorded', data: { windows: fresh(3) } }]);
    const afterUsage = [...given, ...decided(given, usage('u-1', 3), withReset)];
    spec(withReset)
      .given(afterUsage)
      .when(settleHold('h-1', 's-1', [line(6)]))
      .thenMatches([
        {
          type: 'HoldSettled',
          data: {
            consumed: { allowanceUnits: 4, credits: '0' },
            charged: { allowanceUnits: 2, credits: '0' },
            windows: fresh(5),
          },
        },
      ]);
  });

  it('a window dropped by a plan without it and reopened in the same ms does not count the hold', () => {
    // free has no weekly window: usage on free drops it; back on plus, usage opens a new one at T0.
    const given = history([
      open(),
      placeHold('h-1', [line(4)]),
      changePlan('free'),
      usage('u-0', 1),
      changePlan('plus'),
    ]);
    spec()
      .given(given)
      .when(usage('u-1', 3))
      .thenMatches([
        {
          type: 'UsageRecorded',
          data: {
            windows: [
              { window: '5h', used: 4, held: 4, remaining: 2, startedAt: isoOf(T0) },
              { window: 'weekly', used: 3, held: 0, remaining: 27, startedAt: isoOf(T0) },
            ],
          },
        },
      ]);
    expect(stateOf(given).holds.get('h-1')?.windows).toEqual([{ name: '5h', startedAt: T0 }]);
  });
});

/** The events `command` appends on `events`, decided with `ctx`. */
function decided(
  events: readonly AccountEvent[],
  command: AccountCommand,
  ctx: DecisionContext,
): AccountEvent[] {
  const decision = accountDecider.decide(command, stateOf(events), contextWithUsages(events, ctx));
  if (decision.kind !== 'events') throw new Error(`${command.type} gave ${JSON.stringify(decision)}`);
  return [...decision.events];
}

describe('accountView: a grant whose whole remainder is held', () => {
  it('stays active while credits of it are held; exhausted once they are consumed', () => {
    // 10 units from the windows, then 2 messages × 5 credits: all of g-1.
    const given = [open(), grant('g-1', '10'), placeHold('h-1', [line(12)])];
    const grantShown = (commands: readonly AccountCommand[]) =>
      accountView(stateOf(history(commands)), T0, context)?.credits.grants[0];
    expect(grantShown(given)).toMatchObject({ remaining: '0', held: '10', status: 'active' });
    expect(grantShown([...given, releaseHold('h-1')])).toMatchObject({
      remaining: '10',
      held: '0',
      status: 'active',
    });
    expect(grantShown([...given, settleHold('h-1', 's-1', [line(12)])])).toMatchObject({
      remaining: '0',
      held: '0',
      status: 'exhausted',
    });
    // Expiry still wins: a held share of an expired grant does not make it active.
    const expiring = [
      open(),
      grant('g-1', '10', { expiresAt: isoOf(T0 + DAY) }),
      placeHold('h-1', [line(12)]),
    ];
    expect(accountView(stateOf(history(expiring)), T0 + 2 * DAY, context)?.credits.grants[0]).toMatchObject({
      status: 'expired',
    });
  });
});

describe('PlaceHold — at most MAX_OPEN_HOLDS open holds an account', () => {
  /** Funded, then MAX_OPEN_HOLDS holds of one message each (ttl 1 h), decided one after the other. */
  function atTheBound(): AccountEvent[] {
    const events = history([open(), purchase('p-1', '100000')]);
    let state = stateOf(events);
    for (let i = 0; i < MAX_OPEN_HOLDS; i++) {
      const decision = accountDecider.decide(placeHold(`h-${i}`, [line(1)]), state, context);
      if (decision.kind !== 'events') throw new Error(`hold ${i}: ${JSON.stringify(decision)}`);
      events.push(...decision.events);
      state = decision.events.reduce(accountDecider.evolve, state);
    }
    return events;
  }
  const full = atTheBound();

  it('refuses one more (conflict, nothing recorded), naming the bound', () => {
    const decision = accountDecider.decide(placeHold('h-more', [line(1)]), stateOf(full), context);
    expect(decision).toMatchObject({
      kind: 'error',
      error: { code: 'conflict', message: expect.stringContaining(`${MAX_OPEN_HOLDS} open holds`) },
    });
  });

  it('places it once one was released', () => {
    const released = accountDecider.decide(releaseHold('h-7'), stateOf(full), context);
    if (released.kind !== 'events') throw new Error('release refused');
    spec()
      .given([...full, ...released.events])
      .when(placeHold('h-more', [line(1)]))
      .thenMatches([{ type: 'HoldPlaced', data: { holdId: 'h-more' } }]);
  });

  it('places it when the open holds are due: they expire first, in the same decision', () => {
    spec()
      .given(full)
      .when(placeHold('h-more', [line(1)], { now: T0 + HOUR }))
      .thenMatches([
        ...Array.from({ length: MAX_OPEN_HOLDS }, () => ({ type: 'HoldExpired' })),
        { type: 'HoldPlaced', data: { holdId: 'h-more' } },
      ]);
  });

  it('still answers a retry of a placed hold (the bound does not refuse a replay)', () => {
    const first = placeHold('h-3', [line(1)]);
    const decision = accountDecider.decide(first, stateOf(full), context);
    expect(decision.kind).toBe('replay');
  });
});
