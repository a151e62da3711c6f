interface Slot<V> {
  readonly value: V;
  /** Position among the keys: a version of the index sees the slots below its size. */
  readonly ordinal: number;
}

/**
 * An immutable map that grows without copying: every version shares one table of slots, and a
 * version sees only the slots written before it (ordinal < size). `with` from the newest version
 * writes the next slot in place, which no older version can see; `with` from an older version (a
 * branch) or for a key already present copies what that version sees first. So every version reads
 * the same forever, as a copied Map would, and folding forward (the only thing the command path
 * does) costs O(1) per key instead of O(keys).
 *
 * Iteration order is insertion order, as for a Map (a key set again keeps its place).
 */
export class AppendOnlyIndex<K, V> implements ReadonlyMap<K, V> {
  // Private fields: not enumerable, so two versions with the same entries compare equal (jest's toEqual).
  readonly #slots: Map<K, Slot<V>>;
  readonly #size: number;

  private constructor(slots: Map<K, Slot<V>>, size: number) {
    this.#slots = slots;
    this.#size = size;
  }

  static empty<K, V>(): AppendOnlyIndex<K, V> {
    return new AppendOnlyIndex(new Map(), 0);
  }

  /** The entries as an index (a Map's `set` order: the last value of a repeated key, at its first place). */
  static of<K, V>(entries: Iterable<readonly [K, V]>): AppendOnlyIndex<K, V> {
    const slots = new Map<K, Slot<V>>();
    for (const [key, value] of entries) {
      slots.set(key, { value, ordinal: slots.get(key)?.ordinal ?? slots.size });
    }
    return new AppendOnlyIndex(slots, slots.size);
  }

  /** `index` itself when it already is one, else a copy of its entries (once: later `with`s share). */
  static from<K, V>(index: ReadonlyMap<K, V>): AppendOnlyIndex<K, V> {
    return index instanceof AppendOnlyIndex ? (index as AppendOnlyIndex<K, V>) : AppendOnlyIndex.of(index);
  }

  /** A version with `key` set to `value`; this version reads as before. */
  with(key: K, value: V): AppendOnlyIndex<K, V> {
    const isNewest = this.#size === this.#slots.size;
    if (isNewest && !this.#slots.has(key)) {
      this.#slots.set(key, { value, ordinal: this.#size });
      return new AppendOnlyIndex(this.#slots, this.#size + 1);
    }
    // A sibling version already wrote this key, with an equal value, as the very next slot: the
    // decider folds its own events (lazy expiry) and the shell then folds the same events from the
    // same state. That version is this one plus the key, so share it rather than copy everything.
    const next = this.#slots.get(key);
    if (next !== undefined && next.ordinal === this.#size && shallowEqual(next.value, value)) {
      return new AppendOnlyIndex(this.#slots, this.#size + 1);
    }
    return AppendOnlyIndex.of<K, V>([...this, [key, value]]);
  }

  get size(): number {
    return this.#size;
  }

  get(key: K): V | undefined {
    return this.#visible(this.#slots.get(key))?.value;
  }

  has(key: K): boolean {
    return this.#visible(this.#slots.get(key)) !== undefined;
  }

  *entries(): MapIterator<[K, V]> {
    for (const [key, slot] of this.#slots) {
      // Ordinals grow with insertion order, so the first slot past this version ends it.
      if (slot.ordinal >= this.#size) return;
      yield [key, slot.value];
    }
  }

  *keys(): MapIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  #visible(slot: Slot<V> | undefined): Slot<V> | undefined {
    return slot !== undefined && slot.ordinal < this.#size ? slot : undefined;
  }
}

/** Equal primitives, or plain records whose own fields are the same primitives (or the same objects). */
function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && Object.is(ra[k], rb[k]));
}
