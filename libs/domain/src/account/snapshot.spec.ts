import {
  DAY,
  grant,
  history,
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
  });
});
