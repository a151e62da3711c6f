import fc from 'fast-check';
import { AppendOnlyIndex } from './append-only-index';
import { propertyOptions } from './testing/fixtures';

/** Everything a reader can observe of a map, in order. */
const observe = (map: ReadonlyMap<string, number>) => ({
  size: map.size,
  entries: [...map],
  keys: [...map.keys()],
  values: [...map.values()],
});

describe('AppendOnlyIndex: an immutable map that grows without copying', () => {
  it('reads like a Map copied at every step, whichever version each step grows from (branches too)', () => {
    // Each step: [which earlier version to grow, key, value]. Version 0 is the empty index.
    const arbSteps = fc.array(
      fc.tuple(fc.nat(), fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer()),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(arbSteps, fc.boolean(), (steps, fromMap) => {
        const versions: AppendOnlyIndex<string, number>[] = [
          fromMap ? AppendOnlyIndex.from(new Map<string, number>()) : AppendOnlyIndex.empty(),
        ];
        const models: Map<string, number>[] = [new Map()];
        // Biased to the newest version (the command path), with branches from older ones.
        for (const [pick, key, value] of steps) {
          const base = pick % 3 === 0 ? pick % versions.length : versions.length - 1;
          versions.push(versions[base].with(key, value));
          models.push(new Map(models[base]).set(key, value));
        }
        // Every version, old ones included, still reads exactly as its model.
        versions.forEach((version, i) => {
          expect(observe(version)).toEqual(observe(models[i]));
          for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'z']) {
            expect(version.get(key)).toBe(models[i].get(key));
            expect(version.has(key)).toBe(models[i].has(key));
          }
          const seen: [string, number][] = [];
          version.forEach((value, key, map) => {
            expect(map).toBe(version);
            seen.push([key, value]);
          });
          expect(seen).toEqual([...models[i]]);
        });
      }),
      propertyOptions(300),
    );
  });

  it('keeps the set order of Map when built from entries (a repeated key keeps its first place)', () => {
    const entries: [string, number][] = [
      ['x', 1],
      ['y', 2],
      ['x', 3],
    ];
    expect([...AppendOnlyIndex.of(entries)]).toEqual([...new Map(entries)]);
  });

  it('takes an index as it is and copies any other map once', () => {
    const index = AppendOnlyIndex.empty<string, number>().with('a', 1);
    expect(AppendOnlyIndex.from(index)).toBe(index);
    const plain = new Map([['a', 1]]);
    const copied = AppendOnlyIndex.from(plain).with('b', 2);
    expect([...plain]).toEqual([['a', 1]]);
    expect([...copied]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('compares equal (toEqual) to another version with the same entries, and not to one with others', () => {
    const grown = AppendOnlyIndex.empty<string, number>().with('a', 1).with('b', 2);
    const built = AppendOnlyIndex.of([
      ['a', 1],
      ['b', 2],
    ]);
    expect(grown).toEqual(built);
    expect(grown).not.toEqual(built.with('c', 3));
    expect(grown.with('c', 3)).not.toEqual(built.with('c', 4));
  });

  it('shares the next slot when a sibling version wrote the same key with an equal value (no copy)', () => {
    const base = AppendOnlyIndex.empty<string, { status: string; usageId: string | null }>().with('h-0', {
      status: 'released',
      usageId: null,
    });
    const first = { status: 'expired', usageId: null };
    const decided = base.with('h-1', first);
    // The shell folds the same event from the same state: an equal value, another object.
    const folded = base.with('h-1', { status: 'expired', usageId: null });
    expect(folded.get('h-1')).toBe(first); // the slot is shared, not copied
    expect([...folded]).toEqual([...decided]);
    // Folding on from the shared version stays invisible to its sibling, and to the base.
    const later = folded.with('h-2', { status: 'settled', usageId: 'u-2' });
    expect(later.get('h-2')).toEqual({ status: 'settled', usageId: 'u-2' });
    expect(decided.has('h-2')).toBe(false);
    expect(base.size).toBe(1);
    // Another value, or another key, is a real branch: copied, and each reads its own.
    const other = base.with('h-1', { status: 'settled', usageId: 'u-1' });
    expect(other.get('h-1')).toEqual({ status: 'settled', usageId: 'u-1' });
    expect(decided.get('h-1')).toBe(first);
    const otherKey = base.with('h-9', first);
    expect(otherKey.has('h-1')).toBe(false);
    expect(otherKey.get('h-9')).toBe(first);
  });
});
