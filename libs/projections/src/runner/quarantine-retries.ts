import type { EventStore } from '@ledger/event-store';
import type { ProjectionBatchApplier } from './projection-batch-applier';

export interface QuarantineRetryHooks {
  /** False while commits are held (verification) or the runner is stopping: try again a little later. */
  readonly mayCommit: () => boolean;
  /** A retry changed a quarantine (lifted, moved on, one more attempt). */
  readonly onChanged: () => void;
  /** A retry could not be made (the log or the read-model file failed): it is made again later. */
  readonly onTroubled: (error: Error) => void;
}

/** Waits before trying again a retry that could not be made (commits held, a stale read, a fault). */
const AGAIN_MS = 250;
/** Attempts per wake-up: a retry reads a whole stream, so a burst of quarantines is tried a few at a time. */
const MAX_PER_WAKE = 16;

/**
 * Tries quarantined streams again when their backoff is due: each stream is read back from the log
 * (`readStream`) and its poison and held-back events applied in order (see
 * ProjectionBatchApplier.retryQuarantine). A transient fault that heals thus lifts the quarantine
 * by itself, and the account's rows become what a clean rebuild would make.
 */
export class QuarantineRetries {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly applier: ProjectionBatchApplier,
    private readonly hooks: QuarantineRetryHooks,
  ) {}

  /** (Re)arms the timer for the earliest quarantine due. */
  schedule(delayMs?: number): void {
    if (this.stopped || this.running) return;
    clearTimeout(this.timer);
    const at = this.applier.nextRetryAt();
    if (at === undefined) return;
    this.timer = setTimeout(() => void this.runDue(), delayMs ?? Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async runDue(): Promise<void> {
    if (this.stopped) return;
    this.running = true;
    let again = false;
    try {
      const due = this.applier
        .quarantined()
        .filter((q) => q.retryAt <= Date.now())
        .slice(0, MAX_PER_WAKE);
      for (const q of due) {
        const events = await this.store.readStream(q.stream);
        if (this.stopped) return;
        if (!this.hooks.mayCommit()) {
          again = true;
          break;
        }
        const outcome = this.applier.retryQuarantine(q.projection, q.stream, events);
        if (outcome === 'stale') again = true;
        else this.hooks.onChanged();
      }
    } catch (error) {
      again = true;
      this.hooks.onTroubled(error as Error);
    } finally {
      this.running = false;
    }
    this.schedule(again ? AGAIN_MS : undefined);
  }
}
