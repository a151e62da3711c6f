/**
 * The rows a projection touches, kept in memory across events so a batch of thousands of events
 * reads each row once and writes it once. Rows stay cached after a flush (only the runner writes
 * these tables, so the cache cannot go stale) up to `capacity`, then the cache starts afresh.
 * `null` caches "no row": a miss is not re-queried.
 */
export class BufferedRows<Row> {
  private readonly cache = new Map<string, Row | null>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly load: (key: string) => Row | undefined,
    private readonly save: (key: string, row: Row) => void,
    private readonly capacity = 20_000,
  ) {}

  get(key: string): Row | undefined {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const loaded = this.load(key);
    this.cache.set(key, loaded ?? null);
    return loaded;
  }

  set(key: string, row: Row): void {
    this.cache.set(key, row);
    this.dirty.add(key);
  }

  flush(): void {
    for (const key of this.dirty) {
      const row = this.cache.get(key);
      if (row !== undefined && row !== null) this.save(key, row);
    }
    this.dirty.clear();
    if (this.cache.size > this.capacity) this.cache.clear();
  }

  /** After a rollback the cache may hold rows that were never written: forget everything. */
  discard(): void {
    this.cache.clear();
    this.dirty.clear();
  }
}
