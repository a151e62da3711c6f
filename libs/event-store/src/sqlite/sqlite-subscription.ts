import { RecordedEvent, Subscription, SubscriptionItem } from '../event-store';

export interface SqliteSubscriptionOptions {
  /** Events read per query while catching up: bounds memory however far behind the subscriber is. */
  readonly pageSize: number;
  /** How often an idle subscription looks for appends by other processes sharing the file. */
  readonly pollIntervalMs: number;
}

/**
 * Catch-up then live, over the same query: read pages after the last delivered position until a
 * short page says "caught up", then sleep until an in-process append wakes it or the poll timer
 * fires. One consumer per subscription.
 */
export class SqliteSubscription implements Subscription {
  private closed = false;
  private position: bigint;
  private changed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly readAfter: (position: bigint, limit: number) => RecordedEvent[],
    fromPosition: bigint,
    private readonly options: SqliteSubscriptionOptions,
    private readonly onClose: (subscription: SqliteSubscription) => void,
  ) {
    this.position = fromPosition;
  }

  /** Called by the store after each committed batch, so live delivery does not wait for the poll. */
  notifyAppended(): void {
    this.changed = true;
    this.wake?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    this.onClose(this);
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionItem> {
    return this.items();
  }

  private async *items(): AsyncGenerator<SubscriptionItem> {
    try {
      while (!this.closed) {
        this.changed = false;
        const page = this.readAfter(this.position, this.options.pageSize);
        for (const event of page) {
          // SQLite positions are contiguous (one writer, no deletes): a hole would mean a lost event,
          // so fail loudly rather than let a projection skip it.
          if (event.position !== this.position + 1n) {
            throw new Error(`subscription: expected position ${this.position + 1n}, read ${event.position}`);
          }
          this.position = event.position;
          yield { kind: 'event', event };
          if (this.closed) return;
        }
        if (page.length < this.options.pageSize) await this.waitForAppend();
      }
    } finally {
      await this.close();
    }
  }

  private async waitForAppend(): Promise<void> {
    if (this.changed || this.closed) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer = setTimeout(resolve, this.options.pollIntervalMs);
    });
    clearTimeout(timer);
    this.wake = undefined;
  }
}
