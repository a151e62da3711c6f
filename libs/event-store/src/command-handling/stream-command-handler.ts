import { createHash, randomUUID } from 'node:crypto';
import {
  EventStore,
  EventToAppend,
  readStreamIfExists,
  WrongExpectedVersionError,
  type AppendResult,
} from '../event-store';
import type { SnapshotStore } from '../snapshots/snapshot-store';
import { KeyedSerializer } from './keyed-serializer';
import { LruCache } from './lru-cache';

/** The stream's folded state and the revision it reflects ('no_stream' before the first event). */
export interface LoadedStream<State> {
  readonly state: State;
  readonly revision: bigint | 'no_stream';
  /**
   * The latest ledger time recorded on the stream (epoch ms, see `timeOf`), when known: a decision
   * on this stream must not be given an earlier time (the log's time never runs backwards).
   */
  readonly ledgerTime?: number;
}

/** What a decision asks the handler to do: append these events (maybe none) and return `result`. */
export interface StreamDecision<R> {
  readonly events: readonly EventToAppend[];
  readonly result: R;
}

export interface HandledCommand<State, R> {
  readonly result: R;
  /** The append, when events were appended (by this command: never another writer's replayed append). */
  readonly appended?: AppendResult;
  /** State after the command. */
  readonly stream: LoadedStream<State>;
  /** How many attempts the command took (1 when no version conflict happened). */
  readonly attempts: number;
  /**
   * How many of this command's appends the store answered as replays (the same events, already
   * written by another writer): each was followed by a read of the stream and a new decision, so
   * `result` is the decision on the log as it is (for a keyed command, its recorded outcome).
   */
  readonly replayedAppends?: number;
}

export interface StreamCommandHandlerOptions<State> {
  readonly initialState: () => State;
  /** Folds events (in stream order, starting at the state's revision + 1) into the state. */
  readonly fold: (state: State, events: readonly { type: string; data: unknown }[]) => State;
  /** The ledger time an event records (epoch ms), if any: tracked per stream as `ledgerTime`. */
  readonly timeOf?: (event: { readonly type: string; readonly data: unknown }) => number | undefined;
  readonly snapshot?: {
    readonly store: SnapshotStore;
    /** Bump when the state's shape or evolve changes: older snapshots are then ignored. */
    readonly version: string;
    readonly every: number;
    readonly toJson: (state: State) => unknown;
    readonly fromJson: (json: unknown) => State;
    /**
     * Runs before a snapshot is saved and returns the state to keep: lets the caller move the
     * part of the state that grows with history (idempotency keys) to an index of its own first.
     */
    readonly beforeSave?: (stream: string, state: State) => Promise<State>;
  };
  /** Version conflicts retried before giving up (another process wrote the stream meanwhile). */
  readonly maxAttempts?: number;
  /**
   * Longest pause before deciding again after a conflict, in ms (default 50). The pause is random
   * and grows with each attempt (1, 2, 4 … ms up to this), so writers that collided once do not
   * collide again in lockstep: two servers hammering one account used to exhaust 8 attempts.
   */
  readonly conflictBackoffMs?: number;
  readonly cacheCapacity?: number;
  readonly readPageSize?: number;
  /**
   * Read the stream's tail before every decision, even on a cache hit: for logs shared by several
   * nodes, so that a node decides on the latest state (fewer conflicts). Correctness does not rest on
   * it: another writer's byte-identical append is either reported as a replay (SQLite) or, where the
   * store cannot tell (EventStoreDB compares ids only), kept apart by this writer's own event ids.
   */
  readonly readBeforeDecide?: boolean;
}

export class TooManyConflictsError extends Error {
  constructor(
    readonly stream: string,
    attempts: number,
  ) {
    super(`stream ${stream}: gave up after ${attempts} version conflicts`);
    this.name = 'TooManyConflictsError';
  }
}

/**
 * Read (or take from cache) → decide → append with the exact expected revision → retry, bounded,
 * on a version conflict. The cost of a command does not grow with the stream's history: the
 * folded state is cached, and loaded from the latest snapshot plus the events after it.
 */
export class StreamCommandHandler<State> {
  private readonly serializer = new KeyedSerializer();
  /**
   * For a store that cannot tell a replayed append from a fresh one (EventStoreDB, see
   * `EventStore.reportsReplays`): this writer's own namespace for event ids, so that another writer
   * (node) deciding byte-identical events never shares their ids. Its stale append is then a version
   * conflict (it reads the log and decides again: a replay) instead of a silent success answered as
   * its own. The same writer re-sending the same decision keeps the same ids and still dedupes.
   * Undefined for stores that report replays: ids stay exactly as the caller derived them.
   */
  private readonly writerIdNamespace: Buffer | undefined;
  private readonly cache: LruCache<string, LoadedStream<State>>;
  private readonly maxAttempts: number;
  private readonly pageSize: number;
  private readonly eventsSinceSnapshot = new Map<string, number>();

  constructor(
    private readonly store: EventStore,
    private readonly options: StreamCommandHandlerOptions<State>,
  ) {
    this.cache = new LruCache(options.cacheCapacity ?? 50_000);
    this.maxAttempts = options.maxAttempts ?? 8;
    this.pageSize = options.readPageSize ?? 1_000;
    // Read once: behind a Proxy (metrics wrappers) the property comes from the wrapped store.
    this.writerIdNamespace =
      store.reportsReplays === true ? undefined : Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
  }

  /**
   * `prepare` runs inside the stream's turn, before each decision (and again after a conflict):
   * the place to fetch what the decision needs besides the folded state.
   */
  handle<R>(
    stream: string,
    decide: (loaded: LoadedStream<State>) => StreamDecision<R>,
    prepare?: (loaded: LoadedStream<State>) => Promise<LoadedStream<State>>,
  ): Promise<HandledCommand<State, R>> {
    return this.serializer.run(stream, () => this.decideAndAppend(stream, decide, prepare));
  }

  /** The stream's current state, read through the cache (brought up to date with the log). */
  load(stream: string): Promise<LoadedStream<State>> {
    return this.serializer.run(stream, () => {
      const cached = this.cache.get(stream);
      return cached ? this.catchUp(stream, cached) : this.loadCold(stream);
    });
  }

  /** Drops cached state (e.g. after a rebuild); the next command reloads from snapshot + log. */
  forget(stream?: string): void {
    if (stream === undefined) this.cache.clear();
    else this.cache.delete(stream);
  }

  drain(): Promise<void> {
    return this.serializer.drain();
  }

  private async decideAndAppend<R>(
    stream: string,
    decide: (loaded: LoadedStream<State>) => StreamDecision<R>,
    prepare: ((loaded: LoadedStream<State>) => Promise<LoadedStream<State>>) | undefined,
  ): Promise<HandledCommand<State, R>> {
    const cached = this.cache.get(stream);
    let loaded = cached
      ? this.options.readBeforeDecide
        ? await this.catchUp(stream, cached)
        : cached
      : await this.loadCold(stream);
    let replayedAppends = 0;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      if (prepare) loaded = await prepare(loaded);
      const decision = decide(loaded);
      if (decision.events.length === 0) {
        return replayedAppends === 0
          ? { result: decision.result, stream: loaded, attempts: attempt }
          : { result: decision.result, stream: loaded, attempts: attempt - replayedAppends, replayedAppends };
      }
      try {
        const appended = await this.store.appendToStream(stream, this.ownIds(decision.events), {
          expectedRevision: loaded.revision,
        });
        if (appended.replayed) {
          // Another writer appended these very events (same ids, same content) since our state was
          // read: nothing of ours was written, so this is not our outcome to answer. Read the log up
          // to date and decide again; a keyed command now finds its key and answers its recorded
          // outcome as a replay (200 + Idempotent-Replayed), like any retry. Only this rare path reads.
          replayedAppends += 1;
          loaded = await this.catchUp(stream, loaded);
          continue;
        }
        loaded = await this.maybeSnapshot(
          stream,
          this.apply(loaded, decision.events),
          decision.events.length,
        );
        this.cache.set(stream, loaded);
        return replayedAppends === 0
          ? { result: decision.result, appended, stream: loaded, attempts: attempt }
          : {
              result: decision.result,
              appended,
              stream: loaded,
              attempts: attempt - replayedAppends,
              replayedAppends,
            };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        // Someone else (another process) wrote the stream: bring the state up to date and decide again.
        if (attempt < this.maxAttempts) await this.backOff(attempt);
        loaded = await this.catchUp(stream, loaded);
      }
    }
    this.cache.delete(stream);
    throw new TooManyConflictsError(stream, this.maxAttempts);
  }

  /** The events with this writer's ids (see `writerIdNamespace`), or as they are. */
  private ownIds(events: readonly EventToAppend[]): readonly EventToAppend[] {
    const namespace = this.writerIdNamespace;
    if (namespace === undefined) return events;
    return events.map((event) => ({ ...event, id: uuidV5(event.id, namespace) }));
  }

  private backOff(attempt: number): Promise<void> {
    const ceiling = Math.min(2 ** (attempt - 1), this.options.conflictBackoffMs ?? 50);
    return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }

  private apply(loaded: LoadedStream<State>, events: readonly EventToAppend[]): LoadedStream<State> {
    const revision = (loaded.revision === 'no_stream' ? -1n : loaded.revision) + BigInt(events.length);
    return {
      state: this.options.fold(loaded.state, events),
      revision,
      ledgerTime: this.latestTime(loaded.ledgerTime, events),
    };
  }

  private latestTime(
    known: number | undefined,
    events: readonly { type: string; data: unknown }[],
  ): number | undefined {
    const timeOf = this.options.timeOf;
    if (!timeOf) return known;
    let latest = known;
    for (const event of events) {
      const t = timeOf(event);
      if (t !== undefined && (latest === undefined || t > latest)) latest = t;
    }
    return latest;
  }

  private async loadCold(stream: string): Promise<LoadedStream<State>> {
    const snap = this.options.snapshot;
    let start: LoadedStream<State> = { state: this.options.initialState(), revision: 'no_stream' };
    if (snap) {
      const saved = await snap.store.load(stream);
      if (saved && saved.version === snap.version) {
        start = { state: snap.fromJson(saved.state), revision: saved.revision };
      }
    }
    let loaded = await this.catchUp(stream, start);
    const folded = revisionNumber(loaded.revision) - revisionNumber(start.revision);
    // A long tail after the snapshot makes every cold load slow: store a fresh snapshot right away.
    if (snap && folded >= snap.every) loaded = await this.maybeSnapshot(stream, loaded, snap.every);
    this.cache.set(stream, loaded);
    return loaded;
  }

  /**
   * Folds the events after `from` (or everything, when nothing is known) into the state. When the
   * stream's ledger time is wanted but unknown (state from a snapshot), the read starts one event
   * earlier, at the event the state already holds, only to learn its time.
   */
  private async catchUp(stream: string, from: LoadedStream<State> | undefined): Promise<LoadedStream<State>> {
    let loaded: LoadedStream<State> = from ?? { state: this.options.initialState(), revision: 'no_stream' };
    let rereadLast =
      this.options.timeOf !== undefined && loaded.ledgerTime === undefined && loaded.revision !== 'no_stream';
    for (;;) {
      const fromRevision =
        loaded.revision === 'no_stream' ? 0n : rereadLast ? loaded.revision : loaded.revision + 1n;
      let page = await readStreamIfExists(this.store, stream, { fromRevision, maxCount: this.pageSize });
      if (page === undefined) return loaded;
      const full = page.length >= this.pageSize;
      if (rereadLast && page.length > 0 && page[0].revision === loaded.revision) {
        loaded = { ...loaded, ledgerTime: this.latestTime(undefined, page.slice(0, 1)) };
        page = page.slice(1);
      }
      rereadLast = false;
      if (page.length > 0) {
        loaded = {
          state: this.options.fold(loaded.state, page),
          revision: page[page.length - 1].revision,
          ledgerTime: this.latestTime(loaded.ledgerTime, page),
        };
      }
      if (!full) break;
    }
    this.cache.set(stream, loaded);
    return loaded;
  }

  /** Saves a snapshot every `every` events; returns the state to keep (see `beforeSave`). */
  private async maybeSnapshot(
    stream: string,
    loaded: LoadedStream<State>,
    appended: number,
  ): Promise<LoadedStream<State>> {
    const snap = this.options.snapshot;
    if (!snap || loaded.revision === 'no_stream') return loaded;
    const count = (this.eventsSinceSnapshot.get(stream) ?? 0) + appended;
    if (count < snap.every) {
      this.eventsSinceSnapshot.set(stream, count);
      return loaded;
    }
    this.eventsSinceSnapshot.delete(stream);
    try {
      const state = snap.beforeSave ? await snap.beforeSave(stream, loaded.state) : loaded.state;
      await snap.store.save(stream, loaded.revision, snap.toJson(state), snap.version);
      return { state, revision: loaded.revision, ledgerTime: loaded.ledgerTime };
    } catch {
      // A snapshot is only a cache: failing to write one must never fail the command.
      return loaded;
    }
  }
}

/** RFC 9562 §5.5 uuid v5 (SHA-1 of the namespace's 16 bytes then the name's UTF-8). */
function uuidV5(name: string, namespace: Buffer): string {
  const hex = createHash('sha1').update(namespace).update(name, 'utf8').digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function revisionNumber(revision: bigint | 'no_stream'): number {
  return revision === 'no_stream' ? -1 : Number(revision);
}
