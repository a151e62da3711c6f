import { Inject, Injectable } from '@nestjs/common';
import {
  accountStreamName,
  decide,
  foldAccount,
  idempotencyKeyOf,
  idempotencyKeys,
  initialState,
  normaliseForFingerprint,
  snapshotOf,
  stateFromSnapshot,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type Decision,
  type DecisionContext,
  type RateCard,
} from '@ledger/domain';
import {
  EsdbEventStore,
  StreamCommandHandler,
  type EventStore,
  type EventToAppend,
  type IdempotencyKeyStore,
  type LoadedStream,
  type SnapshotStore,
  type StreamDecision,
} from '@ledger/event-store';
import { CLOCK, decisionTime, type Clock } from '../clock/clock';
import { ledgerTimeOf } from '../clock/ledger-time-of';
import { commandOutcomeLabel } from '../metrics/command-outcome-label';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { withTimedAppends } from '../metrics/timed-appends';
import { EVENT_STORE, IDEMPOTENCY_KEYS, SNAPSHOT_STORE } from '../store/store.tokens';
import { eventIdsOf, fingerprintOf } from './command-identity';
import { eventIdKeyOf } from './event-id-key';
import type { CommandOutcome, PositionedEvent } from './command-outcome';
import { LimitsResetsService } from './limits-resets.service';
import { RATE_CARD } from './tokens';

/** A command as the HTTP layer hands it over: the shell adds time, fingerprint and actor. */
export type AccountCommandInput = {
  [C in AccountCommand as C['type']]: { readonly type: C['type']; readonly data: C['data'] };
}[AccountCommand['type']];

/**
 * Bump when AccountState or its snapshot format changes: older snapshots are then ignored (the
 * stream is folded from revision 0 and a new snapshot saved), never handed to `stateFromSnapshot`,
 * which throws on another format.
 * v2: idempotency keys live in their own index (IdempotencyKeyStore), not in the snapshot.
 * v4: holds and reversals in the state (snapshot format 4).
 * v5: an open hold no longer names a window instance a same-millisecond reset removed (format 5).
 * v6: alert settings and auto top-up in the state (snapshot format 6).
 * v7: organisation membership in the state (snapshot format 7).
 */
const ACCOUNT_SNAPSHOT_VERSION = 'account-v7';

/**
 * Runs account commands: read the global resets' tail and the account (cache, snapshot + tail),
 * decide at the ledger's time (never before the stream's or the resets' latest time), append with
 * the exact expected revision and content-addressed event ids, decide again on a conflict.
 */
@Injectable()
export class AccountCommandsService {
  private readonly handler: StreamCommandHandler<AccountState>;
  /**
   * Streams whose state in this process holds only the keys since a snapshot (the rest are in the
   * key index). For all others the state's index is complete, and a new key needs no lookup.
   */
  private readonly keysOutsideState = new Set<string>();
  private readonly readsBeforeDecide: boolean;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SNAPSHOT_STORE) snapshots: SnapshotStore,
    @Inject(IDEMPOTENCY_KEYS) private readonly keys: IdempotencyKeyStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RATE_CARD) private readonly rateCard: RateCard,
    private readonly resets: LimitsResetsService,
    private readonly metrics: LedgerMetrics,
  ) {
    this.readsBeforeDecide = store instanceof EsdbEventStore;
    this.handler = new StreamCommandHandler<AccountState>(withTimedAppends(store, metrics.appendDuration), {
      // Several nodes share an EventStoreDB log: decide on its latest state (fewer conflicts). Correctness
      // does not rest on it: event ids are content-addressed, so a stale decision is a version conflict.
      readBeforeDecide: this.readsBeforeDecide,
      initialState,
      fold: (state, events) => foldAccount(events as readonly AccountEvent[], state),
      timeOf: ledgerTimeOf,
      snapshot: {
        store: snapshots,
        version: ACCOUNT_SNAPSHOT_VERSION,
        every: 500,
        toJson: snapshotOf,
        fromJson: (json) => {
          const state = stateFromSnapshot(json);
          if (state.accountId !== null) this.keysOutsideState.add(accountStreamName(state.accountId));
          return state;
        },
        // Keys move to their own index before each snapshot, so neither the snapshot nor the cached
        // state grows with history: a cold load and a command cost the same after 100 or 100,000 events.
        beforeSave: async (stream, state) => {
          await this.keys.saveMany(stream, state.idempotency);
          this.keysOutsideState.add(stream);
          return { ...state, idempotency: new Map() };
        },
      },
    });
  }

  async execute(input: AccountCommandInput, actor: string): Promise<CommandOutcome<AccountEvent>> {
    try {
      const outcome = await this.run(input, actor);
      this.metrics.commands.inc({ command: input.type, outcome: commandOutcomeLabel(outcome) });
      return outcome;
    } catch (error) {
      this.metrics.commands.inc({ command: input.type, outcome: 'error' });
      throw error;
    }
  }

  private async run(input: AccountCommandInput, actor: string): Promise<CommandOutcome<AccountEvent>> {
    const stream = accountStreamName(input.data.accountId);
    const fingerprint = fingerprintOf(normaliseForFingerprint(input.type, input.data));
    // What older versions stored (raw values): a retry of a command recorded then still replays.
    const legacyFingerprint = fingerprintOf({ type: input.type, ...input.data });
    const resets = await this.resets.atHead();
    // ReverseUsage: the usage's own event, read in `prepare` (it needs I/O), handed to the decider.
    let usageEvent: AccountEvent | undefined;
    const decideOn = (loaded: LoadedStream<AccountState>): StreamDecision<Decision> => {
      const now = decisionTime(this.clock, loaded.ledgerTime, resets.ledgerTime);
      let context: DecisionContext = { rateCard: this.rateCard, resets: resets.resets };
      if (input.type === 'ReverseUsage') {
        const usageId = input.data.usageId;
        context = { ...context, usageEventOf: (id) => (id === usageId ? usageEvent : undefined) };
      }
      const decideWith = (print: string) =>
        decide(
          { ...input, metadata: { now, fingerprint: print, actor } } as AccountCommand,
          loaded.state,
          context,
        );
      let decision = decideWith(fingerprint);
      if (decision.kind === 'error' && legacyFingerprint !== fingerprint) {
        const legacy = decideWith(legacyFingerprint);
        if (legacy.kind === 'replay') decision = legacy;
      }
      if (decision.kind !== 'events') return { events: [], result: decision };
      const key = eventIdKeyOf(input, loaded);
      const ids = eventIdsOf({ stream, key, events: decision.events });
      const toAppend: EventToAppend[] = decision.events.map((event, index) => ({
        id: ids[index],
        type: event.type,
        data: event.data,
        metadata: { command: input.type, idempotencyKey: key, actor },
      }));
      return { events: toAppend, result: decision };
    };
    const prepare =
      input.type === 'ReverseUsage'
        ? async (loaded: LoadedStream<AccountState>) => {
            const own = await this.withOwnKey(stream, input, loaded);
            const prepared = await this.withKey(stream, idempotencyKeys.usage(input.data.usageId), own);
            usageEvent = await this.usageEventOf(stream, input.data.usageId, prepared);
            return prepared;
          }
        : (loaded: LoadedStream<AccountState>) => this.withOwnKey(stream, input, loaded);
    let handled = await this.handler.handle<Decision>(stream, decideOn, prepare);
    if (this.mayBeStale(handled.result) && (await this.caughtUp(stream, handled.stream))) {
      handled = await this.handler.handle<Decision>(stream, decideOn, prepare);
    }
    const decision = handled.result;
    this.metrics.versionConflicts.inc(handled.attempts - 1);
    return this.outcomeOf(input, stream, decision, handled.appended, handled.stream);
  }

  /**
   * A refusal by state (404, 409) appends nothing, so no version conflict ever tells a node that its
   * cached state was stale: another node on the same SQLite file may have opened the account, placed
   * the hold or recorded the usage meanwhile. Such a refusal is decided again on the stream's latest
   * state before it is answered (EventStoreDB nodes read the tail before every decision already).
   */
  private mayBeStale(decision: Decision): boolean {
    return !this.readsBeforeDecide && decision.kind === 'error' && decision.error.code !== 'invalid';
  }

  /** Brings the cached stream up to date with the log; true when it had moved since `seen`. */
  private async caughtUp(stream: string, seen: LoadedStream<AccountState>): Promise<boolean> {
    const latest = await this.handler.load(stream);
    return latest.revision !== seen.revision;
  }

  /** Resolves when every command accepted so far has finished (graceful shutdown). */
  drain(): Promise<void> {
    return this.handler.drain();
  }

  /**
   * Whether the account's stream recorded a command under this idempotency key (in the state, or in
   * the key index for keys a snapshot moved out): a command sent again under it is a retry, answered
   * by its first outcome. For checks the shell makes before deciding (a rare path: it reads).
   */
  async hasKey(accountId: string, key: string): Promise<boolean> {
    const stream = accountStreamName(accountId);
    const loaded = await this.handler.load(stream);
    return (await this.withKey(stream, key, loaded)).state.idempotency.has(key);
  }

  /** The account's folded state, brought up to date with the log (for views and dry runs). */
  async load(accountId: string): Promise<AccountState> {
    return (await this.handler.load(accountStreamName(accountId))).state;
  }

  private async outcomeOf(
    input: AccountCommandInput,
    stream: string,
    decision: Decision,
    appended: { position: bigint; nextExpectedRevision: bigint } | undefined,
    loaded: LoadedStream<AccountState>,
  ): Promise<CommandOutcome<AccountEvent>> {
    if (decision.kind === 'error') return decision;
    if (decision.kind === 'replay') {
      const [event] = await this.store.readStream(stream, {
        fromRevision: BigInt(decision.revision),
        maxCount: 1,
      });
      return {
        kind: 'replayed',
        events: [
          {
            event: { type: event.type, data: event.data } as AccountEvent,
            revision: event.revision,
            position: event.position,
          },
        ],
      };
    }
    if (!appended) {
      const head =
        loaded.revision === 'no_stream' ? undefined : await this.positionOf(stream, loaded.revision);
      return { kind: 'unchanged', position: head ?? (await this.store.headPosition()) };
    }
    // A no-op by value (same plan, same cap) that only wrote off expired credits or expired holds on its
    // way is still a no-op to its caller: the answer is about the plan or cap, not about the write-off.
    if (!SWEEP_COMMANDS.has(input.type) && decision.events.every((e) => LAZY_EVENT_TYPES.has(e.type))) {
      return { kind: 'unchanged', position: appended.position };
    }
    const count = decision.events.length;
    // The store reports the last event's position; read the appended events back only when there are several.
    const events: PositionedEvent<AccountEvent>[] =
      count === 1
        ? [
            {
              event: decision.events[0],
              revision: appended.nextExpectedRevision,
              position: appended.position,
            },
          ]
        : (
            await this.store.readStream(stream, {
              fromRevision: appended.nextExpectedRevision - BigInt(count - 1),
              maxCount: count,
            })
          ).map((e, i) => ({ event: decision.events[i], revision: e.revision, position: e.position }));
    return { kind: 'appended', events };
  }

  /** Puts this command's idempotency entry into the state when it is only in the key index. */
  private withOwnKey(
    stream: string,
    input: AccountCommandInput,
    loaded: LoadedStream<AccountState>,
  ): Promise<LoadedStream<AccountState>> {
    const key = idempotencyKeyOf(input);
    return key === null ? Promise.resolve(loaded) : this.withKey(stream, key, loaded);
  }

  /** Puts one idempotency entry into the state when it is only in the key index. */
  private async withKey(
    stream: string,
    key: string,
    loaded: LoadedStream<AccountState>,
  ): Promise<LoadedStream<AccountState>> {
    if (loaded.state.idempotency.has(key) || !this.keysOutsideState.has(stream)) return loaded;
    const entry = await this.keys.lookup(stream, key);
    if (entry === undefined) return loaded;
    const idempotency = new Map(loaded.state.idempotency).set(key, entry);
    return { ...loaded, state: { ...loaded.state, idempotency } };
  }

  /**
   * The event that recorded a usage (UsageRecorded, UsageRejected or HoldSettled), read at the
   * revision the idempotency index keeps for `usage:<usageId>`: the state keeps no per-usage record.
   */
  private async usageEventOf(
    stream: string,
    usageId: string,
    loaded: LoadedStream<AccountState>,
  ): Promise<AccountEvent | undefined> {
    const entry = loaded.state.idempotency.get(idempotencyKeys.usage(usageId));
    if (entry === undefined) return undefined;
    const [event] = await this.store.readStream(stream, {
      fromRevision: BigInt(entry.revision),
      maxCount: 1,
    });
    if (event === undefined) return undefined;
    const recorded = { type: event.type, data: event.data } as AccountEvent;
    const ownId = (recorded.data as { usageId?: unknown }).usageId;
    // The index names this usage's event; anything else there is a broken index, not a usage to reverse.
    if (!USAGE_EVENT_TYPES.has(recorded.type) || ownId !== usageId)
      throw new Error(`${stream}@${entry.revision}: ${recorded.type} is not the event of usage "${usageId}"`);
    return recorded;
  }

  private async positionOf(stream: string, revision: bigint): Promise<bigint | undefined> {
    const [event] = await this.store.readStream(stream, { fromRevision: revision, maxCount: 1 });
    return event?.position;
  }
}

/** Commands whose whole work may be the write-offs `decide` prepends (the schedulers' commands). */
const SWEEP_COMMANDS: ReadonlySet<string> = new Set([
  'ExpireCredits',
  'ExpireHold',
  'AnnounceExpiringCredits',
]);
/** What `decide` prepends to any command that appends: expired holds released, expired credits written off. */
const LAZY_EVENT_TYPES: ReadonlySet<string> = new Set(['CreditsExpired', 'HoldExpired']);
/** The events a `usage:<usageId>` key may point at. */
const USAGE_EVENT_TYPES: ReadonlySet<string> = new Set(['UsageRecorded', 'UsageRejected', 'HoldSettled']);
