import { accountDecider, type AccountCommand, type AccountEvent } from '@ledger/domain';
import {
  context,
  DAY,
  expireHold,
  grant,
  line,
  open,
  placeHold,
  purchase,
  settleHold,
  T0,
  usage,
} from '@ledger/domain/testing/fixtures';
import { NEW_WATCH, notificationsOf, type AlertWatch, type Notification } from './notification-occasions';

/** The occasions, pure: a log in, notifications out, with a plan's own thresholds. */
function replay(commands: readonly AccountCommand[], thresholds: readonly number[] = [80, 100]) {
  let state = accountDecider.initialState();
  let watch: AlertWatch = NEW_WATCH;
  const out: Notification[] = [];
  let position = 0n;
  for (const command of commands) {
    const decision = accountDecider.decide(command, state, context);
    if (decision.kind !== 'events') throw new Error(JSON.stringify(decision));
    for (const event of decision.events as AccountEvent[]) {
      state = accountDecider.evolve(state, event);
      position += 1n;
      const r = notificationsOf(watch, 'acct-1', event, position, (plan) =>
        plan === 'plus' ? thresholds : [],
      );
      watch = r.watch;
      out.push(...r.notifications);
    }
  }
  return out;
}

const setAlerts = (
  creditsBelow: string | null,
  expiringWithinDays: number | null,
  now = T0,
): AccountCommand => ({
  type: 'SetAlerts',
  data: { accountId: 'acct-1', creditsBelow, expiringWithinDays },
  metadata: { now, fingerprint: 'f', actor: 't' },
});

describe('notification occasions (pure)', () => {
  it('uses the plan’s thresholds: [50] gives one notification at 50 %, none at 80 or 100', () => {
    const kinds = replay([open(), usage('u-1', 5), usage('u-2', 5)], [50]).filter(
      (n) => n.kind === 'window.threshold',
    );
    // The same occasion seen again has the same id (the writer keeps the first): one occasion.
    const occasions = new Map(kinds.map((n) => [n.notificationId, [n.data.window, n.data.thresholdPercent]]));
    expect([...occasions.values()]).toEqual([['5h', 50]]);
  });

  it('a plan without thresholds gives no window notifications', () => {
    expect(replay([open(), usage('u-1', 10)], []).filter((n) => n.kind === 'window.threshold')).toEqual([]);
  });

  it('credits.low fires on the crossing only, and again after the balance came back up and fell again', () => {
    const low = replay([
      open(),
      setAlerts('50', null),
      purchase('p-1', '100'),
      usage('u-0', 10),
      usage('u-1', 11), // 45: crossing
      usage('u-2', 1), // 40: still below
      purchase('p-2', '100'), // 140: back above
      usage('u-3', 19), // 45: crossing again
    ]).filter((n) => n.kind === 'credits.low');
    expect(low.map((n) => n.data)).toEqual([
      { balance: '45', threshold: '50' },
      { balance: '45', threshold: '50' },
    ]);
    expect(low[0].notificationId).not.toBe(low[1].notificationId);
  });

  it('credits.low counts held credits as drawn: a hold is the crossing, its settlement is not another', () => {
    const lines = (n: number) => Array.from({ length: n }, () => line(1));
    const low = replay([
      open(),
      setAlerts('50', null),
      purchase('p-1', '100'),
      usage('u-0', 10), // the 5h window full: each message beyond it is 5 credits
      placeHold('h-1', lines(11)), // 55 held: 45 drawable — the crossing
      settleHold('h-1', 'u-9', lines(11)), // 45 still: no second notification
      placeHold('h-2', lines(1), { now: T0 + 1000, ttlSeconds: 60 }), // 40
      expireHold('h-2', T0 + 62_000), // back to 45, still below: nothing
    ]);
    expect(low.filter((n) => n.kind === 'credits.low').map((n) => [n.position, n.data])).toEqual([
      [5n, { balance: '45', threshold: '50' }],
    ]);
    expect(low.filter((n) => n.kind === 'hold.expired').map((n) => n.data)).toEqual([
      { holdId: 'h-2', expiresAt: new Date(T0 + 61_000).toISOString() },
    ]);
  });

  it('credits.expiring: once per grant, within the horizon at an event’s time; null turns it off', () => {
    const expiresAt = new Date(T0 + 5 * DAY).toISOString();
    const expiring = replay([open(), grant('g-1', '10', { expiresAt }), usage('u-1', 1), usage('u-2', 1)]);
    expect(expiring.filter((n) => n.kind === 'credits.expiring').map((n) => n.data)).toEqual([
      { grantId: 'g-1', remaining: '10', expiresAt },
    ]);
    const later = new Date(T0 + 20 * DAY).toISOString();
    const outside = replay([
      open(),
      grant('g-1', '10', { expiresAt: later }),
      usage('u-0', 1, { now: T0 + 12 * DAY }),
      usage('u-1', 1, { now: T0 + 14 * DAY }),
    ]);
    expect(outside.filter((n) => n.kind === 'credits.expiring').map((n) => n.occurredAt)).toEqual([
      new Date(T0 + 14 * DAY).toISOString(), // not at 12 days (20 − 12 > 7), at 14
    ]);
    const off = replay([open(), setAlerts(null, null), grant('g-1', '10', { expiresAt })]);
    expect(off.filter((n) => n.kind === 'credits.expiring')).toEqual([]);
  });
});

describe('member_limit.reached (pure)', () => {
  const rejected = (
    usageId: string,
    now: number,
    limitSource: 'member' | 'group' | 'default' | null,
    limit: string | null,
    reason: 'member_limit_reached' | 'insufficient_credits' = 'member_limit_reached',
  ): AccountEvent => ({
    type: 'UsageRejected',
    data: {
      usageId,
      product: 'chat',
      lines: [{ operation: 'message', quantity: 1 }],
      recordedAt: new Date(now).toISOString(),
      reason,
      overageUnits: 1,
      requiredCredits: '5',
      resetsAt: null,
      organizationId: 'org-1',
      limitSource,
      limit,
    } as unknown as Extract<AccountEvent, { type: 'UsageRejected' }>['data'],
  });

  function run(events: readonly AccountEvent[]): Notification[] {
    let watch: AlertWatch = NEW_WATCH;
    const out: Notification[] = [];
    events.forEach((event, i) => {
      const r = notificationsOf(watch, 'member-1', event, BigInt(i + 1), () => []);
      watch = r.watch;
      out.push(...r.notifications);
    });
    return out;
  }

  it('once per UTC month, limit source and limit; carries the organisation', () => {
    const all = run([
      rejected('u-1', T0, 'default', '10'),
      rejected('u-2', T0 + 1000, 'default', '10'), // the same occasion (same id, kept once)
      rejected('u-3', T0 + 2000, 'member', '10'), // another source: new
      rejected('u-4', T0 + 3000, 'member', '15'), // a new limit: new
      rejected('u-5', T0 + 4000, 'member', '15', 'insufficient_credits'), // not this kind
      rejected('u-6', T0 + 40 * DAY, 'member', '15'), // the next UTC month: new
    ]).filter((n) => n.kind === 'member_limit.reached');
    // The writer keeps the first event of an occasion.
    const distinct = all.filter((n, i) => all.findIndex((m) => m.notificationId === n.notificationId) === i);
    expect(distinct.map((n) => [n.data.usageId, n.data.limitSource, n.data.limit])).toEqual([
      ['u-1', 'default', '10'],
      ['u-3', 'member', '10'],
      ['u-4', 'member', '15'],
      ['u-6', 'member', '15'],
    ]);
    expect(all[0].notificationId).toBe(all[1].notificationId);
    expect(new Set(all.map((n) => n.organizationId))).toEqual(new Set(['org-1']));
    expect(all[0].data).toEqual({
      usageId: 'u-1',
      limitSource: 'default',
      limit: '10',
      requiredCredits: '5',
    });
  });
});
