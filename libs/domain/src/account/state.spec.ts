import { history, open, purchase, T0, usage } from '../testing/fixtures';
import { snapshotOf } from './snapshot';
import { evolve, foldAccount } from './state';

describe('account state: folding forward never changes an older state', () => {
  const base = history([open(), purchase('p-1', '100'), usage('u-1', 3)]);
  const onward = history([open(), purchase('p-1', '100'), usage('u-1', 3), usage('u-2', 4), usage('u-3', 2)]);
  const other = history([open(), purchase('p-1', '100'), usage('u-1', 3), usage('u-9', 1, { now: T0 + 1 })]);

  it('keeps an older state as it was after states are folded from it (the command handler caches them)', () => {
    const older = foldAccount(base);
    const before = snapshotOf(older);
    const newer = foldAccount(onward.slice(base.length), older);
    expect(snapshotOf(older)).toEqual(before);
    expect(older.idempotency.has('usage:u-2')).toBe(false);
    expect(newer.idempotency.get('usage:u-2')).toEqual({ fingerprint: expect.any(String), revision: 3 });
  });

  it('folds another branch from an older state to the state of that branch folded from scratch', () => {
    const older = foldAccount(base);
    const newer = foldAccount(onward.slice(base.length), older);
    const branch = other.slice(base.length).reduce(evolve, older);
    expect(branch).toEqual(foldAccount(other));
    expect(branch.idempotency.has('usage:u-2')).toBe(false);
    expect(newer).toEqual(foldAccount(onward));
  });

  it('folds onto a state whose index is a plain Map (the shell hands such states back)', () => {
    const older = foldAccount(base);
    const plain = { ...older, idempotency: new Map(older.idempotency) };
    expect(snapshotOf(foldAccount(onward.slice(base.length), plain))).toEqual(
      snapshotOf(foldAccount(onward)),
    );
  });
});
