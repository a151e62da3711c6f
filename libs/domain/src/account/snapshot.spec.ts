import {
  DAY,
  grant,
  history,
  line,
  placeHold,
  releaseHold,
  reverseUsage,
  settleHold,
  open,
  purchase,
  refund,
  resetAccount,
  cap,
  stateOf,
  T0,
  usage,
} from '../testing/fixtures';
import { isoOf } from '../time';
import { snapshotOf, stateFromSnapshot } from './snapshot';
import { evolve, foldAccount, initialState } from './state';

const events = history([
  open(),
  purchase('p-1', '10.5'),
  grant('g-1', '3', { expiresAt: isoOf(T0 + DAY), products: ['codex'] }),
  usage('u-1', 12),
  cap('100'),
  refund('r-1', 'p-1'),
  resetAccount('x-1', T0 + 1, 'codex'),
  usage('u-2', 1, { now: T0 + 2 }),
]);

describe('state snapshots', () => {
  it('round-trips through JSON to an equal state', () => {
    const state = stateOf(events);
    const json: unknown = JSON.parse(JSON.stringify(snapshotOf(state)));
    expect(stateFromSnapshot(json)).toEqual(state);
  });

  it('folds the tail after a snapshot to the same state as a full fold', () => {
    const head = foldAccount(events.slice(0, 4));
    const fromSnapshot = foldAccount(
      events.slice(4),
      stateFromSnapshot(JSON.parse(JSON.stringify(snapshotOf(head)))),
    );
    expect(fromSnapshot).toEqual(foldAccount(events));
    expect(events.reduce(evolve, initialState())).toEqual(foldAccount(events));
  });

  it('refuses a snapshot of another format', () => {
    expect(() => stateFromSnapshot({ format: 99 })).toThrow(RangeError);
    // Format 3 (issue 17 before the open/closed split) kept every hold in one list.
    const format3 = { ...snapshotOf(stateOf(events)), format: 3, closedHolds: undefined };
    expect(() => stateFromSnapshot(JSON.parse(JSON.stringify(format3)))).toThrow(RangeError);
    // Format 4 had this shape, but its open holds may name window instances a reset removed.
    const format4 = { ...snapshotOf(stateOf(events)), format: 4 };
    expect(() => stateFromSnapshot(JSON.parse(JSON.stringify(format4)))).toThrow(RangeError);
    // Format 5 (issue 17's last) had no alerts slice: its state would lose the alert settings.
    const format5 = { ...snapshotOf(stateOf(events)), format: 5, alerts: undefined };
    expect(() => stateFromSnapshot(JSON.parse(JSON.stringify(format5)))).toThrow(RangeError);
  });

  it('keeps open holds in full and closed holds as [id, status, usageId]; the tail folds on from it', () => {
    const withHolds = history([
      open(),
      grant('g-1', '100'),
      placeHold('h-1', [line(2)]),
      placeHold('h-2', [line(12)]),
      settleHold('h-1', 'u-9', [line(1)]),
      placeHold('h-3', [line(1)]),
      releaseHold('h-3'),
      reverseUsage('r-1', 'u-9'),
    ]);
    const head = foldAccount(withHolds.slice(0, 6));
    const snapshot = snapshotOf(foldAccount(withHolds));
    expect(snapshot.holds.map((h) => h.holdId)).toEqual(['h-2']);
    expect(snapshot.closedHolds).toEqual([
      ['h-1', 'settled', 'u-9'],
      ['h-3', 'released', null],
    ]);
    expect(snapshot.reversals).toEqual([['u-9', 'r-1']]);
    const fromSnapshot = foldAccount(
      withHolds.slice(6),
      stateFromSnapshot(JSON.parse(JSON.stringify(snapshotOf(head)))),
    );
    expect(fromSnapshot).toEqual(foldAccount(withHolds));
  });
});
