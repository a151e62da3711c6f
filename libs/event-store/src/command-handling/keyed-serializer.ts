/**
 * Runs tasks for the same key one after another, and tasks for different keys concurrently.
 * Commands for one account are serialised in-process so they never fight each other over the
 * expected revision; the optimistic check at append time still guards against other processes.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      // Forget the key once nothing is queued behind this task, so the map does not grow without bound.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return current;
  }

  /** Resolves when every task queued so far has finished. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
