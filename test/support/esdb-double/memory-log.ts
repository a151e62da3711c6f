/**
 * The in-memory transaction log of the EventStoreDB test double. TEST CODE ONLY: nothing outside test/
 * may import it.
 *
 * It models what the gRPC API exposes of the real log (EventStore/EventStore, v24.10):
 * - every event is an implicitly committed prepare record, so its commit and prepare positions are both
 *   its own log position (StorageWriterService.WritePrepares writes `PrepareFlags.IsCommitted` records;
 *   AllReader builds `CommitEventRecord(eventRecord, prepare.LogPosition)` for them);
 * - positions are byte offsets: they grow by each record's size, are not contiguous, and the first
 *   event is not at 0 (the log opens with an epoch record);
 * - an append replies with the position of its LAST event (StorageChaser acks the commit at the
 *   TransactionEnd prepare), and an idempotent replay with the position of the original last event;
 * - the expected-version / idempotency decision is IndexWriter.CheckCommit, reproduced in `decide()`.
 */

export interface ProposedEvent {
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  readonly stream: string;
  readonly revision: bigint;
  /** Log position of the record; commit == prepare for implicitly committed records. */
  readonly position: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as the server sends in the `created` metadata key. */
  readonly createdTicks: bigint;
}

/** Expected version as the server models it: -1 no stream, -2 any, -4 stream exists, or a revision. */
export type Expected =
  | { readonly kind: 'revision'; readonly revision: bigint }
  | { readonly kind: 'no_stream' | 'any' | 'stream_exists' };

export type AppendOutcome =
  | { kind: 'success'; currentRevision: bigint; position: bigint }
  | { kind: 'wrong_expected_version'; current: bigint | 'no_stream' };

/** Size of the epoch record that opens a real log; the first event lands after it. */
const EPOCH_RECORD_SIZE = 128n;
/** Fixed per-record overhead (header, ids, length prefix and suffix) on top of the variable fields. */
const RECORD_OVERHEAD = 80n;

export class MemoryLog {
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly byId = new Map<string, StoredEvent>();
  private readonly positions = new Set<bigint>();
  private readonly listeners = new Set<(events: readonly StoredEvent[]) => void>();
  private end = EPOCH_RECORD_SIZE;

  /** Events of $all in log order (including system events: filters apply later). */
  get events(): readonly StoredEvent[] {
    return this.all;
  }

  /** Position just after the last record: where the next record will be written. */
  get endPosition(): bigint {
    return this.end;
  }

  /** Where a read may start: the log's start, a record, or the end of the log. */
  isRecordBoundary(position: bigint): boolean {
    return position === 0n || position === this.end || this.positions.has(position);
  }

  stream(name: string): readonly StoredEvent[] | undefined {
    return this.streams.get(name);
  }

  /** Live feed for subscriptions: called synchronously after each committed append. */
  onAppended(listener: (events: readonly StoredEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(streamName: string, expected: Expected, proposed: readonly ProposedEvent[]): AppendOutcome {
    const existing = this.streams.get(streamName) ?? [];
    const decision = this.decide(streamName, existing, expected, proposed);
    if (decision.kind !== 'ok') return decision.outcome;
    if (proposed.length === 0) {
      // An empty append writes nothing the client can see; it reports the current state.
      const last = existing.at(-1);
      return last
        ? { kind: 'success', currentRevision: last.revision, position: last.position }
        : { kind: 'success', currentRevision: -1n, position: -1n };
    }
    const written: StoredEvent[] = [];
    const ticks = BigInt(Date.now()) * 10_000n;
    for (const event of proposed) {
      const stored: StoredEvent = {
        ...event,
        stream: streamName,
        revision: BigInt(existing.length),
        position: this.end,
        createdTicks: ticks,
      };
      this.end += RECORD_OVERHEAD + recordSize(stored);
      existing.push(stored);
      this.all.push(stored);
      this.byId.set(stored.id, stored);
      this.positions.add(stored.position);
      written.push(stored);
    }
    this.streams.set(streamName, existing);
    for (const listener of [...this.listeners]) listener(written);
    const last = written[written.length - 1];
    return { kind: 'success', currentRevision: last.revision, position: last.position };
  }

  /**
   * IndexWriter.CheckCommit (src/EventStore.Core/Services/Storage/ReaderIndex/IndexWriter.cs):
   * - Any / StreamExists: idempotent when EVERY id is already in that stream (reply with the original
   *   range); the first id unknown means "new write"; a later one unknown is CorruptedIdempotency,
   *   answered as WrongExpectedVersion (StorageWriterService.ActOnCommitCheckFailure).
   * - exact revision (and NoStream = -1) below the current one: the ids must be the events at
   *   expected+1, expected+2, …; all equal → idempotent; the first differs → WrongExpectedVersion.
   * - exact revision above the current one → WrongExpectedVersion; equal → write.
   * StreamExists on a stream that does not exist → WrongExpectedVersion.
   */
  private decide(
    streamName: string,
    existing: readonly StoredEvent[],
    expected: Expected,
    proposed: readonly ProposedEvent[],
  ): { kind: 'ok' } | { kind: 'done'; outcome: AppendOutcome } {
    const current = BigInt(existing.length) - 1n;
    const wrong = (): { kind: 'done'; outcome: AppendOutcome } => ({
      kind: 'done',
      outcome: { kind: 'wrong_expected_version', current: current < 0n ? 'no_stream' : current },
    });
    if (expected.kind === 'stream_exists' && existing.length === 0) return wrong();
    if (expected.kind === 'any' || expected.kind === 'stream_exists') {
      const found = proposed.map((e) => this.byId.get(e.id));
      const first = found[0];
      if (!first || first.stream !== streamName) return { kind: 'ok' };
      if (found.some((f) => !f || f.stream !== streamName)) return wrong();
      return { kind: 'done', outcome: replay(found[found.length - 1] as StoredEvent) };
    }
    const expectedVersion = expected.kind === 'revision' ? expected.revision : -1n;
    if (expectedVersion > current) return wrong();
    if (expectedVersion === current) return { kind: 'ok' };
    if (proposed.length === 0) return wrong();
    let last: StoredEvent | undefined;
    for (let i = 0; i < proposed.length; i++) {
      const atRevision = existing[Number(expectedVersion) + 1 + i];
      if (!atRevision || atRevision.id !== proposed[i].id) return wrong();
      last = atRevision;
    }
    return { kind: 'done', outcome: replay(last as StoredEvent) };
  }
}

/** AlreadyCommitted → the original last event's revision and log position (RequestManagerBase.ReturnCommitAt). */
function replay(last: StoredEvent): AppendOutcome {
  return { kind: 'success', currentRevision: last.revision, position: last.position };
}

function recordSize(event: StoredEvent): bigint {
  return BigInt(
    Buffer.byteLength(event.stream) +
      Buffer.byteLength(event.type) +
      event.data.byteLength +
      event.customMetadata.byteLength,
  );
}
