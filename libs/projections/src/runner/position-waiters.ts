interface Waiter {
  readonly position: bigint;
  readonly resolve: (reached: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Read-your-writes (`?minPosition=`): callers wait until the read models reach a position. The
 * runner wakes them after each commit; the only timer is the caller's bound, never a polling sleep.
 */
export class PositionWaiters {
  private waiters: Waiter[] = [];

  constructor(private readonly current: () => bigint) {}

  /** Resolves true once the position is reached, false after `timeoutMs`. */
  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.current() >= position) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        position,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  notify(): void {
    if (this.waiters.length === 0) return;
    const reached = this.current();
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.position <= reached) {
        clearTimeout(waiter.timer);
        waiter.resolve(true);
      } else {
        still.push(waiter);
      }
    }
    this.waiters = still;
  }

  /** On shutdown: every pending caller learns now that the position will not be reached here. */
  cancelAll(): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.waiters = [];
  }
}
