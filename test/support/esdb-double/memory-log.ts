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

import { randomUUID } from 'node:crypto';

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
  | { kind: 'wrong_expected_version'; current: bigint | 'no_stream' }
  | { kind: 'stream_deleted' };

export type DeleteOutcome =
  | { kind: 'deleted'; position: bigint }
  | { kind: 'wrong_expected_version'; current: bigint | 'no_stream' }
  | { kind: 'stream_deleted' };

export interface MemoryLogOptions {
  /**
   * How many event ids the log remembers for `any` / `stream_exists` idempotency. The server checks
   * those against a bounded cache of recently committed ids (IndexWriter's `_committedEvents`), so an
   * `any` append retried long after is written again; exact expected revisions are checked against
   * the stream itself and never forget. Default 1000.
   */
  readonly idCacheSize?: number;
}

/** EventNumber.DeletedStream (long.MaxValue): the revision of a tombstone, and of a tombstoned stream. */
export const DELETED_STREAM_REVISION = 2n ** 63n - 1n;

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
  private readonly deletions = new Map<string, 'soft' | 'tombstone'>();
  /** `$tb` of soft-deleted streams: revisions below it are hidden from reads. */
  private readonly truncateBefore = new Map<string, bigint>();
  private readonly idCacheSize: number;
  private end = EPOCH_RECORD_SIZE;

  constructor(options: MemoryLogOptions = {}) {
    this.idCacheSize = options.idCacheSize ?? 1000;
  }

  /** 'tombstone' after Tombstone (for ever), 'soft' after Delete until the next append. */
  deletion(name: string): 'soft' | 'tombstone' | undefined {
    return this.deletions.get(name);
  }

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

  /** What a stream read sees: nothing after a delete, then only revisions from `$tb` on. */
  visibleStream(name: string): readonly StoredEvent[] | undefined {
    if (this.deletions.has(name)) return undefined;
    const tb = this.truncateBefore.get(name) ?? 0n;
    return this.streams.get(name)?.filter((e) => e.revision >= tb);
  }

  /** Live feed for subscriptions: called synchronously after each committed append. */
  onAppended(listener: (events: readonly StoredEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(streamName: string, expected: Expected, proposed: readonly ProposedEvent[]): AppendOutcome {
    if (this.deletions.get(streamName) === 'tombstone') return { kind: 'stream_deleted' };
    const existing = this.streams.get(streamName) ?? [];
    // A soft-deleted stream is "no stream" to expectations, but its revisions continue (the server
    // hides revisions below $tb, it does not renumber).
    const visible = this.deletions.get(streamName) === 'soft' ? [] : existing;
    const decision = this.decide(streamName, visible, expected, proposed);
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
      this.remember(stored);
      this.positions.add(stored.position);
      written.push(stored);
    }
    this.streams.set(streamName, existing);
    this.deletions.delete(streamName);
    for (const listener of [...this.listeners]) listener(written);
    const last = written[written.length - 1];
    return { kind: 'success', currentRevision: last.revision, position: last.position };
  }

  /**
   * Streams.Delete / Streams.Tombstone: the expected revision is checked like an append's; a soft
   * delete writes `$metadata` with `$tb` (truncate before) to `$$stream`, a tombstone writes
   * `$streamDeleted` at revision long.MaxValue into the stream itself. Either way the stream reads as
   * gone; only a tombstone refuses later appends (StreamDeleted).
   */
  delete(streamName: string, expected: Expected, hard: boolean): DeleteOutcome {
    if (this.deletions.get(streamName) === 'tombstone') return { kind: 'stream_deleted' };
    const existing = this.deletions.get(streamName) === 'soft' ? [] : (this.streams.get(streamName) ?? []);
    const current = BigInt(existing.length) - 1n;
    const ok =
      expected.kind === 'any' ||
      (expected.kind === 'no_stream' && current < 0n) ||
      (expected.kind === 'stream_exists' && current >= 0n) ||
      (expected.kind === 'revision' && expected.revision === current);
    if (!ok) return { kind: 'wrong_expected_version', current: current < 0n ? 'no_stream' : current };
    const json = (value: unknown): Uint8Array => Uint8Array.from(Buffer.from(JSON.stringify(value)));
    const marker = (stream: string, revision: bigint, type: string, data: unknown): StoredEvent => ({
      id: randomUUID(),
      stream,
      revision,
      type,
      contentType: 'application/json',
      data: json(data),
      customMetadata: new Uint8Array(),
      position: this.end,
      createdTicks: BigInt(Date.now()) * 10_000n,
    });
    const all = this.streams.get(streamName) ?? [];
    const tb = all.length === 0 ? 0n : all[all.length - 1].revision + 1n;
    if (!hard) this.truncateBefore.set(streamName, tb);
    const record = hard
      ? marker(streamName, DELETED_STREAM_REVISION, '$streamDeleted', {})
      : marker(`$$${streamName}`, BigInt(this.streams.get(`$$${streamName}`)?.length ?? 0), '$metadata', {
          $tb: Number(tb),
        });
    this.end += RECORD_OVERHEAD + recordSize(record);
    this.all.push(record);
    this.positions.add(record.position);
    if (!hard) this.streams.set(record.stream, [...(this.streams.get(record.stream) ?? []), record]);
    this.deletions.set(streamName, hard ? 'tombstone' : 'soft');
    for (const listener of [...this.listeners]) listener([record]);
    return { kind: 'deleted', position: record.position };
  }

  /** The bounded id cache for `any` / `stream_exists` (oldest forgotten first). */
  private remember(event: StoredEvent): void {
    this.byId.delete(event.id);
    this.byId.set(event.id, event);
    while (this.byId.size > this.idCacheSize) {
      const oldest = this.byId.keys().next().value as string;
      this.byId.delete(oldest);
    }
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
