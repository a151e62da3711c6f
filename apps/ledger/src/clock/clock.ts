/** The ledger's clock. The domain never reads time itself: the shell asks this and passes `now` in. */
export interface Clock {
  now(): number;
  /**
   * Never answer less than `ms` from now on (SPEC §10: the log's time never runs backwards; a clock
   * behind the log continues from the log's time). Optional: a test's fixed clock may ignore it.
   */
  raiseTo?(ms: number): void;
}

export const CLOCK = Symbol('CLOCK');

/** The system clock, floored by the latest ledger time seen in the log (a clock stepped back, a node behind). */
export class SystemClock implements Clock {
  readonly simulated = false;
  private floor = 0;

  now(): number {
    const now = Date.now();
    return now > this.floor ? now : this.floor;
  }

  raiseTo(ms: number): void {
    if (ms > this.floor) this.floor = ms;
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

  /** Moves the clock forward to `ms` if it is behind (a restarted sandbox continues from its log). */
  raiseTo(ms: number): void {
    if (Number.isSafeInteger(ms) && ms > this.current && ms <= LATEST_SIMULATED_TIME) this.current = ms;
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

/**
 * The time a decision is given: the clock's, or the latest ledger time of what it is decided on
 * (its stream, the global resets) when that is later — the log's time never runs backwards on a
 * stream, whichever node writes it. The clock is raised to it, so later decisions start there.
 */
export function decisionTime(clock: Clock, ...floors: readonly (number | undefined)[]): number {
  let time = clock.now();
  for (const floor of floors) if (floor !== undefined && floor > time) time = floor;
  clock.raiseTo?.(time);
  return time;
}
