import { Inject, Injectable } from '@nestjs/common';
import {
  LIMITS_RESETS_STREAM,
  decideLimitsReset,
  evolveLimitsResets,
  initialLimitsResetsState,
  type GlobalLimitsReset,
  type LimitsReset,
  type LimitsResetsDecision,
  type LimitsResetsState,
  type RateCard,
  type ResetLimits,
} from '@ledger/domain';
import { StreamCommandHandler, type EventStore, type EventToAppend } from '@ledger/event-store';
import { CLOCK, type Clock } from '../clock/clock';
import { EVENT_STORE } from '../store/store.tokens';
import { eventId, fingerprintOf } from './command-identity';
import type { CommandOutcome } from './command-outcome';
import { RATE_CARD } from './tokens';

/**
 * How long the in-memory list of resets is trusted before the log is read again. A reset written by
 * this process is seen at once; one written by another process (another node on the same log) is
 * seen within this bound. Reading the stream on every command cost ~7% of a command's CPU.
 */
export const RESETS_REFRESH_MS = 100;

/**
 * The global resets stream: "reset everyone" is one event, O(1) to write. Every account decision
 * reads the list of resets, kept in memory and brought up to date from the log (see RESETS_REFRESH_MS).
 */
@Injectable()
export class LimitsResetsService {
  private readonly handler: StreamCommandHandler<LimitsResetsState>;
  private refreshing?: Promise<readonly GlobalLimitsReset[]>;
  private known?: { readonly resets: readonly GlobalLimitsReset[]; readonly readAt: number };

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RATE_CARD) private readonly rateCard: RateCard,
  ) {
    this.handler = new StreamCommandHandler<LimitsResetsState>(store, {
      initialState: initialLimitsResetsState,
      fold: (state, events) => (events as readonly LimitsReset[]).reduce(evolveLimitsResets, state),
      cacheCapacity: 1,
    });
  }

  /** The global resets, at most RESETS_REFRESH_MS behind the log. Concurrent callers share one read. */
  current(): Promise<readonly GlobalLimitsReset[]> {
    const known = this.known;
    if (known !== undefined && performance.now() - known.readAt < RESETS_REFRESH_MS) {
      return Promise.resolve(known.resets);
    }
    this.refreshing ??= this.handler
      .load(LIMITS_RESETS_STREAM)
      .then((loaded) => this.remember(loaded.state.resets))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private remember(resets: readonly GlobalLimitsReset[]): readonly GlobalLimitsReset[] {
    this.known = { resets, readAt: performance.now() };
    return resets;
  }

  async execute(input: Pick<ResetLimits, 'data'>, actor: string): Promise<CommandOutcome<LimitsReset>> {
    const fingerprint = fingerprintOf({ type: 'ResetLimits', ...input.data });
    const handled = await this.handler.handle<LimitsResetsDecision>(LIMITS_RESETS_STREAM, (loaded) => {
      const command: ResetLimits = {
        type: 'ResetLimits',
        data: input.data,
        metadata: { now: this.clock.now(), fingerprint, actor },
      };
      const decision = decideLimitsReset(command, loaded.state, { rateCard: this.rateCard });
      if (decision.kind !== 'events') return { events: [], result: decision };
      const key = `ResetLimits:${input.data.resetId}`;
      const events: EventToAppend[] = decision.events.map((event, index) => ({
        id: eventId(key, index),
        type: event.type,
        data: event.data,
        metadata: { command: 'ResetLimits', idempotencyKey: key, actor },
      }));
      return { events, result: decision };
    });
    const decision = handled.result;
    this.remember(handled.stream.state.resets);
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
