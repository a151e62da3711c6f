import {
  accountView,
  creditsFromStored,
  foldAccount,
  formatCredits,
  type AccountEvent,
} from '@ledger/domain';
import {
  cap,
  context,
  expireHold,
  grant,
  history,
  HOUR,
  line,
  open,
  placeHold,
  releaseHold,
  reverseUsage,
  settleHold,
  T0,
  usage,
} from '@ledger/domain/testing/fixtures';
import { isoOf } from '@ledger/domain';
import { describeEvent } from './event-description';

/**
 * How `ledger timeline` describes holds and reversals (issue 17), on events the real decider makes
 * (test rate card: plus/codex windows 5h = 10 and weekly = 30 units; local_message 1 unit or 5
 * credits, cloud_task 5 units or 25 credits).
 */
const story = (): AccountEvent[] =>
  history([
    open(),
    grant('g-1', '100'),
    placeHold('h-1', [line(12)]),
    settleHold('h-1', 'u-1', [line(11)], T0 + 1000),
    placeHold('h-2', [line(3), line(1, 'cloud_task')], { ttlSeconds: 600 }),
    releaseHold('h-2', T0 + 2000),
    placeHold('h-3', [line(1)], { now: T0 + 3000, ttlSeconds: 60 }),
    expireHold('h-3', T0 + HOUR),
    cap('70', T0 + HOUR),
    placeHold('h-4', [line(4)], { now: T0 + HOUR }),
    settleHold('h-4', 'u-2', [line(20)], T0 + HOUR + 1000),
    placeHold('h-5', [line(100)], { now: T0 + HOUR + 2000 }),
    reverseUsage('r-1', 'u-1', T0 + HOUR + 3000),
  ]);

const described = (events: readonly AccountEvent[], type: AccountEvent['type'], nth = 0) =>
  describeEvent(events.filter((e) => e.type === type)[nth]);

describe('describeEvent: holds and reversals', () => {
  const events = story();

  it('a placed hold: its lines, what it holds (in brackets: set aside, not spent), from where, until when', () => {
    expect(described(events, 'HoldPlaced', 0)).toEqual({
      what: 'hold [h-1] codex local_message ×12: holds 10 u + 10 credits from g-1 10 until 2026-11-03 11:00',
      allowanceUnits: '[10 u]',
      credits: '[-10]',
    });
    expect(described(events, 'HoldPlaced', 1).what).toBe(
      'hold [h-2] codex local_message ×3, cloud_task ×1: holds 16 credits from g-1 16 until 2026-11-03 10:10',
    );
  });

  it('a refused hold: the reason and the credits it needed, like a refused usage', () => {
    expect(described(events, 'HoldRejected')).toEqual({
      what: 'hold [h-5] codex local_message ×100 refused: spending_cap_reached, needs 500 credits',
      allowanceUnits: '',
      credits: '',
    });
  });

  it('a settlement within the hold: units used, what it spent from the hold, the rest released', () => {
    expect(described(events, 'HoldSettled', 0)).toEqual({
      what: 'hold [h-1] settled as usage [u-1] codex local_message ×11: spent 10 u + 5 credits (g-1 5) from the hold; released 5 credits back to g-1 5',
      allowanceUnits: '10 u',
      credits: '+5',
    });
  });

  it('a settlement beyond the hold: consumed, charged beyond it, and the uncollected part with its reason', () => {
    expect(described(events, 'HoldSettled', 1)).toEqual({
      what: 'hold [h-4] settled as usage [u-2] codex local_message ×20: spent 65 credits: 20 credits (g-1 20) from the hold + 45 credits (g-1 45) beyond it; uncollected 35 credits (spending_cap_reached)',
      allowanceUnits: '',
      credits: '-45',
    });
  });

  it('a release and an expiry give the held credits back (in brackets)', () => {
    expect(described(events, 'HoldReleased')).toEqual({
      what: 'hold [h-2] released ("task cancelled"): 16 credits back to g-1 16',
      allowanceUnits: '',
      credits: '[+16]',
    });
    expect(described(events, 'HoldExpired')).toEqual({
      what: 'hold [h-3] expired at 2026-11-03 10:01:03: 5 credits back to g-1 5',
      allowanceUnits: '',
      credits: '[+5]',
    });
  });

  it('a reversal: credits back to their grants, units back to the live windows (counted once, not per window)', () => {
    expect(described(events, 'UsageReversed')).toEqual({
      what: 'usage [u-1] reversed [r-1] ("task failed"): credits back to g-1 5; units back to 5h 10 · weekly 10',
      allowanceUnits: '-10 u',
      credits: '+5',
    });
  });

  it('names held credits written off because their grant expired while held, and a reversal regranted', () => {
    const expiring = history([
      open(),
      grant('g-short', '50', { expiresAt: isoOf(T0 + HOUR), priority: 1 }),
      usage('u-0', 10),
      placeHold('h-1', [line(2)], { ttlSeconds: 7200 }),
      usage('u-1', 1, { now: T0 + 1000 }),
      releaseHold('h-1', T0 + 1.5 * HOUR),
      reverseUsage('r-1', 'u-1', T0 + 1.5 * HOUR),
    ]);
    expect(described(expiring, 'HoldReleased')).toEqual({
      what: 'hold [h-1] released ("task cancelled"): 10 credits, written off (grant expired while held): g-short 10',
      allowanceUnits: '',
      credits: '',
    });
    expect(described(expiring, 'UsageReversed').what).toBe(
      'usage [u-1] reversed [r-1] ("task failed"): new grant reversal-r-1 5',
    );
  });

  it("every row's credits column is the change in the balance, so the balance column reconciles", () => {
    const balances = events.map((e, i) => {
      const view = accountView(foldAccount(events.slice(0, i + 1)), Date.parse(e.data.recordedAt), context);
      return creditsFromStored(view?.credits.balance ?? '0');
    });
    const changes = events.map((e) => {
      const cell = describeEvent(e).credits.replace(/^\[|\]$/g, '');
      return cell === ''
        ? 0n
        : cell.startsWith('-')
          ? -creditsFromStored(cell.slice(1))
          : creditsFromStored(cell.slice(1));
    });
    // Each balance step equals the row's column, except where credits expire lazily (none here).
    expect(changes.slice(1).map(formatCredits)).toEqual(
      balances.slice(1).map((b, i) => formatCredits(b - balances[i])),
    );
  });
});
