import { accountDecider } from '../account/decide';
import type { AccountCommand } from '../account/commands';
import type { AccountEvent, UsageRecorded } from '../account/events';
import { usageOutcomeOf } from '../account/usage-outcome';
import { accountView } from '../account/view';
import { reversalOutcomeOf } from '../reversals/outcome';
import {
  context,
  contextWithUsages,
  grant,
  history,
  HOUR,
  line,
  open,
  placeHold,
  purchase,
  releaseHold,
  reverseUsage,
  settleHold,
  stateOf,
  T0,
  usage,
  DAY,
} from '../testing/fixtures';
import { isoOf } from '../time';
import type { HoldExpired, HoldPlaced, HoldRejected, HoldReleased, HoldSettled } from './events';
import { holdOutcomeOf, releaseOutcomeOf, settlementOutcomeOf } from './outcome';

/**
 * The answers of holds and reversals (API.md "Holds and reversals"), each rebuilt from its event.
 * Test rate card: plus/codex windows 5h = 10 units, weekly = 30; local_message = 1 unit or 5 credits.
 */
const funded = () => [open(), grant('g-1', '100', { priority: 10 }), purchase('p-1', '100')];

/** The events `command` appends after `given`. */
function decided(given: readonly AccountCommand[], command: AccountCommand): AccountEvent[] {
  const events = history(given);
  const decision = accountDecider.decide(command, stateOf(events), contextWithUsages(events));
  if (decision.kind !== 'events') throw new Error(`expected events, got ${JSON.stringify(decision)}`);
  return [...decision.events];
}
const only = <E extends AccountEvent>(events: AccountEvent[], type: E['type']): E => {
  const found = events.filter((e) => e.type === type);
  expect(found).toHaveLength(1);
  return found[0] as E;
};

const window = (name: '5h' | 'weekly', fields: { used: number; held: number; startedAt: number | null }) => {
  const limit = name === '5h' ? 10 : 30;
  const ms = name === '5h' ? 5 * HOUR : 7 * DAY;
  return {
    product: 'codex',
    window: name,
    used: fields.used,
    held: fields.held,
    limit,
    remaining: Math.max(0, limit - fields.used - fields.held),
    startedAt: fields.startedAt === null ? null : isoOf(fields.startedAt),
    resetsAt: fields.startedAt === null ? null : isoOf(fields.startedAt + ms),
    usedPercent: Math.floor((fields.used * 100) / limit),
  };
};

describe('holdOutcomeOf', () => {
  it('answers a placed hold: what it holds, windows with held units, credits balance and held', () => {
    const event = only<HoldPlaced>(decided(funded(), placeHold('h-1', [line(12)])), 'HoldPlaced');
    expect(holdOutcomeOf(event)).toEqual({
      holdId: 'h-1',
      accountId: 'acct-1',
      outcome: 'held',
      status: 'held',
      held: { allowanceUnits: 10, credits: '10', allocations: [{ grantId: 'g-1', credits: '10' }] },
      expiresAt: isoOf(T0 + HOUR),
      windows: [
        window('5h', { used: 0, held: 10, startedAt: T0 }),
        window('weekly', { used: 0, held: 10, startedAt: T0 }),
      ],
      credits: { balance: '190', held: '10' },
      recordedAt: isoOf(T0),
    });
  });

  it('answers a second hold with both holds held in the windows and in credits', () => {
    const given = [...funded(), placeHold('h-1', [line(3)]), usage('u-1', 2)];
    const event = only<HoldPlaced>(decided(given, placeHold('h-2', [line(9)])), 'HoldPlaced');
    expect(holdOutcomeOf(event)).toMatchObject({
      held: { allowanceUnits: 5, credits: '20' },
      windows: [
        window('5h', { used: 2, held: 8, startedAt: T0 }),
        window('weekly', { used: 2, held: 8, startedAt: T0 }),
      ],
      credits: { balance: '180', held: '20' },
    });
  });

  it('answers a rejected hold with the windows as they were before the hold, not after its first lines', () => {
    const given = [open(), grant('g-1', '10'), placeHold('h-0', [line(3)])];
    // Line 1 fits the allowance (5 of 7), line 2 needs 3 × 5 = 15 credits of 10.
    const event = only<HoldRejected>(decided(given, placeHold('h-1', [line(5), line(5)])), 'HoldRejected');
    expect(holdOutcomeOf(event)).toEqual({
      holdId: 'h-1',
      accountId: 'acct-1',
      outcome: 'rejected',
      status: 'rejected',
      reason: 'insufficient_credits',
      requiredCredits: '15',
      resetsAt: isoOf(T0 + 5 * HOUR),
      windows: [
        window('5h', { used: 0, held: 3, startedAt: T0 }),
        window('weekly', { used: 0, held: 3, startedAt: T0 }),
      ],
      credits: { balance: '10', held: '0' },
      recordedAt: isoOf(T0),
    });
    const fresh = only<HoldRejected>(
      decided([open(), grant('g-1', '10')], placeHold('h-1', [line(8), line(5)])),
      'HoldRejected',
    );
    expect(holdOutcomeOf(fresh).windows).toEqual([
      window('5h', { used: 0, held: 0, startedAt: null }),
      window('weekly', { used: 0, held: 0, startedAt: null }),
    ]);
  });
});

describe('settlementOutcomeOf', () => {
  it('answers the usage outcome with charged = from the hold + beyond it, merged per grant in burn order', () => {
    const given = [
      open(),
      grant('g-1', '12', { priority: 10 }),
      purchase('p-1', '100'),
      placeHold('h-1', [line(12)]),
    ];
    const event = only<HoldSettled>(decided(given, settleHold('h-1', 'u-1', [line(14)])), 'HoldSettled');
    expect(settlementOutcomeOf(event)).toEqual({
      usageId: 'u-1',
      accountId: 'acct-1',
      outcome: 'accepted',
      reason: null,
      charged: {
        allowanceUnits: 10,
        credits: '20',
        allocations: [
          { grantId: 'g-1', credits: '12' },
          { grantId: 'p-1', credits: '8' },
        ],
      },
      requiredCredits: null,
      resetsAt: null,
      windows: [
        window('5h', { used: 10, held: 0, startedAt: T0 }),
        window('weekly', { used: 10, held: 0, startedAt: T0 }),
      ],
      credits: { balance: '92', held: '0' },
      recordedAt: isoOf(T0),
      holdId: 'h-1',
      released: { allowanceUnits: 0, credits: '0' },
      uncollected: '0',
      uncollectedReason: null,
    });
    // A settlement is a usage: usageOutcomeOf reads it too, the same usage part.
    const { holdId, released, uncollected, uncollectedReason, ...usagePart } = settlementOutcomeOf(event);
    expect([holdId, released, uncollected, uncollectedReason]).toBeDefined();
    expect(usageOutcomeOf(event)).toEqual(usagePart);
  });

  it('answers what was released, what could not be paid and why, and other holds still held', () => {
    const given = [open(), grant('g-1', '10'), placeHold('h-1', [line(12)])];
    const short = only<HoldSettled>(decided(given, settleHold('h-1', 'u-1', [line(20)])), 'HoldSettled');
    expect(settlementOutcomeOf(short)).toMatchObject({
      charged: { allowanceUnits: 10, credits: '10', allocations: [{ grantId: 'g-1', credits: '10' }] },
      released: { allowanceUnits: 0, credits: '0' },
      uncollected: '40',
      uncollectedReason: 'insufficient_credits',
      credits: { balance: '0', held: '0' },
    });
    const twoHolds = [open(), grant('g-1', '100'), placeHold('h-1', [line(5)]), placeHold('h-2', [line(7)])];
    const partial = only<HoldSettled>(decided(twoHolds, settleHold('h-1', 'u-1', [line(3)])), 'HoldSettled');
    expect(settlementOutcomeOf(partial)).toMatchObject({
      charged: { allowanceUnits: 3, credits: '0', allocations: [] },
      released: { allowanceUnits: 2, credits: '0' },
      // h-2 keeps 5 units and 2 × 5 credits.
      windows: [
        window('5h', { used: 3, held: 5, startedAt: T0 }),
        window('weekly', { used: 3, held: 5, startedAt: T0 }),
      ],
      credits: { balance: '90', held: '10' },
      uncollected: '0',
      uncollectedReason: null,
    });
  });
});

describe('releaseOutcomeOf', () => {
  it('answers a release and an expiry with what the hold gave up', () => {
    const given = [...funded(), placeHold('h-1', [line(12)])];
    const released = only<HoldReleased>(decided(given, releaseHold('h-1')), 'HoldReleased');
    expect(releaseOutcomeOf(released)).toEqual({
      holdId: 'h-1',
      accountId: 'acct-1',
      status: 'released',
      released: { allowanceUnits: 10, credits: '10' },
    });
    const expired = only<HoldExpired>(decided(given, usage('u-1', 1, { now: T0 + 2 * HOUR })), 'HoldExpired');
    expect(releaseOutcomeOf(expired)).toEqual({
      holdId: 'h-1',
      accountId: 'acct-1',
      status: 'expired',
      released: { allowanceUnits: 10, credits: '10' },
    });
  });
});

describe('reversalOutcomeOf', () => {
  it('answers what was reversed: units, credits back to their grants, and the regrant', () => {
    const event = decided([open(), grant('g-1', '100'), usage('u-1', 12)], reverseUsage('r-1', 'u-1'));
    expect(reversalOutcomeOf(only(event, 'UsageReversed'))).toEqual({
      reversalId: 'r-1',
      usageId: 'u-1',
      accountId: 'acct-1',
      reversed: { allowanceUnits: 10, credits: '10', allocations: [{ grantId: 'g-1', credits: '10' }] },
      regranted: null,
    });
    const settled = [
      open(),
      grant('g-1', '100'),
      placeHold('h-1', [line(12)]),
      settleHold('h-1', 'u-1', [line(14)]),
    ];
    const ofSettlement = decided(settled, reverseUsage('r-1', 'u-1'));
    expect(reversalOutcomeOf(only(ofSettlement, 'UsageReversed'))).toMatchObject({
      reversed: { allowanceUnits: 10, credits: '20', allocations: [{ grantId: 'g-1', credits: '20' }] },
    });
  });
});

describe('usage answers beside holds, and events recorded before holds', () => {
  it('shows held units in the windows and held credits beside the balance', () => {
    const event = only<UsageRecorded>(
      decided([...funded(), placeHold('h-1', [line(12)])], usage('u-1', 1)),
      'UsageRecorded',
    );
    expect(usageOutcomeOf(event)).toMatchObject({
      charged: { allowanceUnits: 0, credits: '5' },
      windows: [
        window('5h', { used: 0, held: 10, startedAt: T0 }),
        window('weekly', { used: 0, held: 10, startedAt: T0 }),
      ],
      credits: { balance: '185', held: '10' },
    });
  });

  it('renders an event without `held` / `heldAfter` (recorded before issue 17) with held 0 and "0"', () => {
    const event = only<UsageRecorded>(
      decided([open(), grant('g-1', '100')], usage('u-1', 3)),
      'UsageRecorded',
    );
    const { heldAfter, ...data } = event.data;
    expect(heldAfter).toBe('0');
    const old: UsageRecorded = {
      type: 'UsageRecorded',
      data: { ...data, windows: data.windows.map(({ held, ...w }) => (expect(held).toBe(0), w)) },
    };
    expect(old.data.windows[0]).not.toHaveProperty('held');
    expect(usageOutcomeOf(old)).toMatchObject({
      windows: [
        window('5h', { used: 3, held: 0, startedAt: T0 }),
        window('weekly', { used: 3, held: 0, startedAt: T0 }),
      ],
      credits: { balance: '100', held: '0' },
    });
  });
});

describe('accountView with holds', () => {
  it('shows held units per window (remaining = limit − used − held), held credits and held per grant', () => {
    const state = stateOf(history([...funded(), placeHold('h-1', [line(12)]), usage('u-1', 1)]));
    const view = accountView(state, T0, context);
    expect(view?.windows).toEqual([
      window('5h', { used: 0, held: 10, startedAt: T0 }),
      window('weekly', { used: 0, held: 10, startedAt: T0 }),
    ]);
    expect(view?.credits).toMatchObject({
      balance: '185',
      held: '10',
      grants: [
        { grantId: 'g-1', remaining: '85', held: '10' },
        { grantId: 'p-1', remaining: '100', held: '0' },
      ],
    });
  });
});
