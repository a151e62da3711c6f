/** The ledger's clock. The domain never reads time itself: the shell asks this and passes `now` in. */
export interface Clock {
  now(): number;
}

export const CLOCK = Symbol('CLOCK');

export class SystemClock implements Clock {
  readonly simulated = false;
  now(): number {
    return Date.now();
  }
}

/** Far enough from year 9999 for every time the ledger derives from `now` (expiries) to keep four digits. */
export const LATEST_SIMULATED_TIME = Date.UTC(9000, 0, 1);

export class ClockError extends Error {
  override readonly name = 'ClockError';
}

/**
 * Like Stripe's test clocks: time moves only when an operator moves it, and never backwards,
 * so sandboxes, demos and black-box tests can cross 5-hour and weekly windows in seconds.
 */
export class SimulatedClock implements Clock {
  readonly simulated = true;
  private current: number;

  constructor(start: number) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advanceBy(ms: number): number {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new ClockError('advanceMs must be a non-negative integer');
    return this.set(this.current + ms);
  }

  set(to: number): number {
    if (!Number.isSafeInteger(to)) throw new ClockError('now must be a valid time');
    // Events hold four-digit-year ISO times, and grants expire years after `now`.
    if (to > LATEST_SIMULATED_TIME) throw new ClockError('the simulated clock stops at 9000-01-01');
    if (to < this.current) throw new ClockError('the simulated clock never moves backwards');
    this.current = to;
    return this.current;
  }
}
