/**
 * An immutable map whose update copies one of 64 buckets, not the whole map: a member's monthly
 * spend changes on every settlement, and a copied Map of every member per settlement was most of a
 * decision's time in a 1000-member organisation (~80 µs of ~90). Reads as a ReadonlyMap.
 */
const BUCKETS = 64;

function bucketOf(key: string): number {
  let hash = 0;
  for (let i = 0; i < key.length; i += 1) hash = (Math.imul(hash, 31) + key.charCodeAt(i)) | 0;
  return (hash >>> 0) % BUCKETS;
}

export class BucketedMap<V> implements ReadonlyMap<string, V> {
  private constructor(private readonly buckets: readonly ReadonlyMap<string, V>[]) {}

  static empty<V>(): BucketedMap<V> {
    return new BucketedMap(Array.from({ length: BUCKETS }, () => new Map<string, V>()));
  }

  static of<V>(entries: Iterable<readonly [string, V]>): BucketedMap<V> {
    const buckets = Array.from({ length: BUCKETS }, () => new Map<string, V>());
    for (const [key, value] of entries) buckets[bucketOf(key)].set(key, value);
    return new BucketedMap(buckets);
  }

  /** A new map with `key` set: this one is left as it was. */
  with(key: string, value: V): BucketedMap<V> {
    const b = bucketOf(key);
    const bucket = new Map(this.buckets[b]);
    bucket.set(key, value);
    const buckets = [...this.buckets];
    buckets[b] = bucket;
    return new BucketedMap(buckets);
  }

  get size(): number {
    let size = 0;
    for (const bucket of this.buckets) size += bucket.size;
    return size;
  }

  get(key: string): V | undefined {
    return this.buckets[bucketOf(key)].get(key);
  }

  has(key: string): boolean {
    return this.buckets[bucketOf(key)].has(key);
  }

  *entries(): MapIterator<[string, V]> {
    for (const bucket of this.buckets) yield* bucket.entries();
  }

  *keys(): MapIterator<string> {
    for (const bucket of this.buckets) yield* bucket.keys();
  }

  *values(): MapIterator<V> {
    for (const bucket of this.buckets) yield* bucket.values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}
