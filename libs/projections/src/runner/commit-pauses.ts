/**
 * Commits held on request (verification reads live rows and checkpoints at one position without
 * stopping the subscription): nested pause/resume, and the runner's loops waiting for the last resume.
 */
export class CommitPauses {
  private pauses = 0;
  private waiting: (() => void)[] = [];

  get held(): boolean {
    return this.pauses > 0;
  }

  pause(): void {
    this.pauses += 1;
  }

  /** True when this resume released the last pause. */
  resume(): boolean {
    if (this.pauses === 0) return false;
    this.pauses -= 1;
    if (this.pauses > 0) return false;
    this.release();
    return true;
  }

  /** Resolves at the last resume (at once when not held, or when `stopping`). */
  whileHeld(stopping: boolean): Promise<void> {
    if (this.pauses === 0 || stopping) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Lets every waiting loop go (the runner stops). */
  release(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
