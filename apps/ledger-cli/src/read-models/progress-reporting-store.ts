import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamName,
  Subscription,
} from '@ledger/event-store';

/**
 * The event store as verification reads it, reporting each page of the global log it reads:
 * `verifyProjections` has no progress callback of its own, and the log is what it spends its time on.
 */
export class ProgressReportingStore implements EventStore {
  constructor(
    private readonly store: EventStore,
    private readonly onPage: (lastPosition: bigint, events: number) => void,
  ) {}

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    const page = await this.store.readAll(options);
    if (page.length > 0) this.onPage(page[page.length - 1].position, page.length);
    return page;
  }

  appendToStream(
    stream: StreamName,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    return this.store.appendToStream(stream, events, options);
  }

  readStream(stream: StreamName, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.store.readStream(stream, options);
  }

  subscribeToAll(options?: { readonly fromPosition?: bigint }): Subscription {
    return this.store.subscribeToAll(options);
  }

  headPosition(): Promise<bigint> {
    return this.store.headPosition();
  }

  /** The wrapped store belongs to the ledger core, which closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
