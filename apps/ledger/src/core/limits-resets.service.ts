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
 * The global resets stream: "reset everyone" is one event, O(1) to write. Every account decision
 * reads the list of resets (kept in memory, brought up to date from the log before each use, so a
 * reset written by another process is honoured too).
 */
@Injectable()
export class LimitsResetsService {
  private readonly handler: StreamCommandHandler<LimitsResetsState>;
  private refreshing?: Promise<readonly GlobalLimitsReset[]>;

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

  /** The global resets, caught up with the log. Concurrent callers share one read. */
  current(): Promise<readonly GlobalLimitsReset[]> {
    this.refreshing ??= this.handler
      .load(LIMITS_RESETS_STREAM)
      .then((loaded) => loaded.state.resets)
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
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
