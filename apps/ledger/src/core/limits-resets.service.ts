import { Inject, Injectable } from '@nestjs/common';
import {
  LIMITS_RESETS_STREAM,
  decideLimitsReset,
  evolveLimitsResets,
  initialLimitsResetsState,
  normaliseForFingerprint,
  type GlobalLimitsReset,
  type LimitsReset,
  type LimitsResetsDecision,
  type LimitsResetsState,
  type RateCard,
  type ResetLimits,
} from '@ledger/domain';
import {
  StreamCommandHandler,
  type EventStore,
  type EventToAppend,
  type LoadedStream,
} from '@ledger/event-store';
import { CLOCK, decisionTime, type Clock } from '../clock/clock';
import { ledgerTimeOf, raiseClockToLog } from '../clock/ledger-time-of';
import { commandOutcomeLabel } from '../metrics/command-outcome-label';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { withTimedAppends } from '../metrics/timed-appends';
import { EVENT_STORE } from '../store/store.tokens';
import { commandKey, eventIdsOf, fingerprintOf } from './command-identity';
import type { CommandOutcome } from './command-outcome';
import { RATE_CARD } from './tokens';

/** The global resets as of a read of the log that started after the caller asked. */
export interface ResetsAtHead {
  readonly resets: readonly GlobalLimitsReset[];
  /** The latest ledger time on the resets stream (a decision after a reset is never dated before it). */
  readonly ledgerTime: number | undefined;
}

/**
 * The global resets stream: "reset everyone" is one event, O(1) to write. Every account decision
 * reads it first — the tail only (from the known revision + 1), on every engine: another node or
 * another process on the same file may have written a reset a moment ago, and a usage decided
 * after that reset was acknowledged must be decided against it (no time-based cache).
 */
@Injectable()
export class LimitsResetsService {
  private readonly handler: StreamCommandHandler<LimitsResetsState>;
  private reading?: Promise<ResetsAtHead>;
  private nextRead?: Promise<ResetsAtHead>;
  private clockRaised?: Promise<void>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RATE_CARD) private readonly rateCard: RateCard,
    private readonly metrics: LedgerMetrics,
  ) {
    this.handler = new StreamCommandHandler<LimitsResetsState>(
      withTimedAppends(store, metrics.appendDuration),
      {
        // Like every command: decided on the stream as it is now, so a retry on another node replays.
        readBeforeDecide: true,
        initialState: initialLimitsResetsState,
        fold: (state, events) => (events as readonly LimitsReset[]).reduce(evolveLimitsResets, state),
        timeOf: ledgerTimeOf,
        cacheCapacity: 1,
      },
    );
  }

  /**
   * Once per process, before the first decision: a clock behind the log's head continues from the
   * head's ledger time (SPEC §10). Every account decision and reset passes here first.
   */
  clockAtLog(): Promise<void> {
    this.clockRaised ??= raiseClockToLog(this.clock, this.store).catch((error: unknown) => {
      this.clockRaised = undefined;
      throw error;
    });
    return this.clockRaised;
  }

  /** The global resets, read from the log after this call (the tail of the stream only). */
  async current(): Promise<readonly GlobalLimitsReset[]> {
    return (await this.atHead()).resets;
  }

  /**
   * Callers share reads, but never one that started before they asked (it could miss a reset
   * acknowledged in between). A read starts at the next turn of the event loop (setImmediate), after
   * the read before it ended: every caller until then joins it — under load, the requests parsed in
   * one loop turn share one read of the tail (≈ 40 µs each on a busy SQLite file, 6% of the request
   * thread when every usage request read alone).
   */
  atHead(): Promise<ResetsAtHead> {
    this.nextRead ??= this.scheduleRead();
    return this.nextRead;
  }

  private scheduleRead(): Promise<ResetsAtHead> {
    const previous = this.reading ?? Promise.resolve();
    return previous
      .catch(() => undefined)
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        // From here on the read is under way: later callers wait for the next one.
        this.nextRead = undefined;
        const read = this.clockAtLog()
          .then(() => this.handler.load(LIMITS_RESETS_STREAM))
          .then(atHeadOf);
        this.reading = read;
        void read.then(
          () => this.readEnded(read),
          () => this.readEnded(read),
        );
        return read;
      });
  }

  private readEnded(read: Promise<ResetsAtHead>): void {
    if (this.reading === read) this.reading = undefined;
  }

  async execute(input: Pick<ResetLimits, 'data'>, actor: string): Promise<CommandOutcome<LimitsReset>> {
    try {
      const outcome = await this.run(input, actor);
      this.metrics.commands.inc({ command: 'ResetLimits', outcome: commandOutcomeLabel(outcome) });
      return outcome;
    } catch (error) {
      this.metrics.commands.inc({ command: 'ResetLimits', outcome: 'error' });
      throw error;
    }
  }

  private async run(input: Pick<ResetLimits, 'data'>, actor: string): Promise<CommandOutcome<LimitsReset>> {
    await this.clockAtLog();
    const normalised = normaliseForFingerprint('ResetLimits', input.data);
    const fingerprint = fingerprintOf(normalised);
    const legacyFingerprint = fingerprintOf({ type: 'ResetLimits', ...input.data });
    const handled = await this.handler.handle<LimitsResetsDecision>(LIMITS_RESETS_STREAM, (loaded) => {
      const now = decisionTime(this.clock, loaded.ledgerTime);
      const decide = (print: string) =>
        decideLimitsReset(
          { type: 'ResetLimits', data: input.data, metadata: { now, fingerprint: print, actor } },
          loaded.state,
          { rateCard: this.rateCard },
        );
      let decision = decide(fingerprint);
      if (decision.kind === 'error' && legacyFingerprint !== fingerprint) {
        // Recorded before fingerprints were taken over the normalised command: same raw request → replay.
        const legacy = decide(legacyFingerprint);
        if (legacy.kind === 'replay') decision = legacy;
      }
      if (decision.kind !== 'events') return { events: [], result: decision };
      const key = commandKey('ResetLimits', input.data.resetId);
      const ids = eventIdsOf({ stream: LIMITS_RESETS_STREAM, key, events: decision.events });
      const events: EventToAppend[] = decision.events.map((event, index) => ({
        id: ids[index],
        type: event.type,
        data: event.data,
        metadata: { command: 'ResetLimits', idempotencyKey: key, actor },
      }));
      return { events, result: decision };
    });
    this.metrics.versionConflicts.inc(handled.attempts - 1);
    const decision = handled.result;
    if (decision.kind === 'error') return decision;
    if (decision.kind === 'replay') {
      const [event] = await this.store.readStream(LIMITS_RESETS_STREAM, {
        fromRevision: BigInt(decision.revision),
        maxCount: 1,
      });
      return {
        kind: 'replayed',
        events: [
          {
            event: { type: 'LimitsReset', data: event.data } as LimitsReset,
            revision: event.revision,
            position: event.position,
          },
        ],
      };
    }
    const appended = handled.appended;
    if (!appended) throw new Error('a reset decision with events must append');
    return {
      kind: 'appended',
      events: [
        { event: decision.events[0], revision: appended.nextExpectedRevision, position: appended.position },
      ],
    };
  }
}

function atHeadOf(loaded: LoadedStream<LimitsResetsState>): ResetsAtHead {
  return { resets: loaded.state.resets, ledgerTime: loaded.ledgerTime };
}
