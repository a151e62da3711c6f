import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { mustReadAgain, type ProjectionBatchApplier } from './projection-batch-applier';

export interface QuarantineRetryHooks {
  /** False while commits are held (verification) or the runner is stopping: try again a little later. */
  readonly mayCommit: () => boolean;
  /** A retry changed a quarantine (lifted, moved on, one more attempt). */
  readonly onChanged: () => void;
  /**
   * The read-model file was busy or another process moved a checkpoint back: the runner reads the
   * log again from the checkpoints. Not for a stream that cannot be read: that is the quarantine's
   * own failed attempt.
   */
  readonly onTroubled: (error: Error) => void;
}

/** Waits before trying again a retry that could not be made (commits held, a stale read, a fault). */
const AGAIN_MS = 250;
/** At most this long between tries while the read-model file keeps failing. */
const AGAIN_MAX_MS = 30_000;
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
  /** Wake-ups in a row that failed on the read-model file: the next one waits longer. */
  private troubles = 0;

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
        let events: RecordedEvent[];
        try {
          // From the poison on (older quarantines without its revision: the whole stream).
          events = await this.store.readStream(
            q.stream,
            q.revision === undefined ? undefined : { fromRevision: q.revision },
          );
        } catch (error) {
          if (this.stopped) return;
          // The stream cannot be read (deleted, tombstoned, past the read deadline): one more failed
          // attempt of this quarantine, with its growing backoff. Not the live subscription's
          // business: it is left alone.
          this.applier.retryUnreadable(q.projection, q.stream, error);
          this.hooks.onChanged();
          continue;
        }
        if (this.stopped) return;
        if (!this.hooks.mayCommit()) {
          again = true;
          break;
        }
        const outcome = this.applier.retryQuarantine(q.projection, q.stream, events);
        if (outcome === 'stale') again = true;
        else this.hooks.onChanged();
      }
      this.troubles = 0;
    } catch (error) {
      // The read-model file failed (busy, full) or another process moved a checkpoint back.
      again = true;
      this.troubles++;
      if (mustReadAgain(error)) this.hooks.onTroubled(error as Error);
    } finally {
      this.running = false;
    }
    this.schedule(again ? Math.min(AGAIN_MAX_MS, AGAIN_MS * 2 ** Math.min(this.troubles, 10)) : undefined);
  }
}
