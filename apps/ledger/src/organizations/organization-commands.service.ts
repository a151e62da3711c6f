import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import {
  decideOrganization,
  foldOrganization,
  initialOrganizationState,
  normaliseForFingerprint,
  organizationSnapshotOf,
  organizationStateFromSnapshot,
  organizationStreamName,
  type OrganizationDecisionContext,
  type OrganizationCommand,
  type OrganizationDecision,
  type OrganizationEvent,
  type OrganizationState,
  type RateCard,
} from '@ledger/domain';
import {
  EsdbEventStore,
  StreamCommandHandler,
  type EventStore,
  type EventToAppend,
  type HandledCommand,
  type LoadedStream,
  type SnapshotStore,
  type StreamDecision,
} from '@ledger/event-store';
import { CLOCK, decisionTime, type Clock } from '../clock/clock';
import { ledgerTimeOf } from '../clock/ledger-time-of';
import { commandKey, eventIdsOf, fingerprintOf } from '../core/command-identity';
import type { CommandOutcome, PositionedEvent } from '../core/command-outcome';
import { RATE_CARD } from '../core/tokens';
import { commandOutcomeLabel } from '../metrics/command-outcome-label';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { withTimedAppends } from '../metrics/timed-appends';
import { EVENT_STORE, SNAPSHOT_STORE } from '../store/store.tokens';

/** An organisation command as the shell hands it over: the service adds time, fingerprint and actor. */
export type OrganizationCommandInput = {
  [C in OrganizationCommand as C['type']]: { readonly type: C['type']; readonly data: C['data'] };
}[OrganizationCommand['type']];

export type OrganizationOutcome = CommandOutcome<OrganizationEvent>;

/** Bump with the domain's ORGANIZATION_SNAPSHOT_FORMAT: an older snapshot is then ignored, never read. */
const ORGANIZATION_SNAPSHOT_VERSION = 'organization-v2';

/**
 * Runs commands on `organization-<orgId>` streams exactly as AccountCommandsService runs account
 * commands: read (cache + tail), decide at the ledger's time (never before the stream's latest),
 * append with the exact expected revision and content-addressed event ids, decide again on a
 * conflict (bounded). The pool's stream is the one authority on pool balance and member spend.
 */
@Injectable()
export class OrganizationCommandsService implements BeforeApplicationShutdown {
  private readonly handler: StreamCommandHandler<OrganizationState>;
  private readonly readsBeforeDecide: boolean;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SNAPSHOT_STORE) snapshots: SnapshotStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RATE_CARD) private readonly rateCard: RateCard,
    private readonly metrics: LedgerMetrics,
  ) {
    this.readsBeforeDecide = store instanceof EsdbEventStore;
    this.handler = new StreamCommandHandler<OrganizationState>(
      withTimedAppends(store, metrics.appendDuration),
      {
        readBeforeDecide: this.readsBeforeDecide,
        initialState: initialOrganizationState,
        fold: (state, events) => foldOrganization(events as readonly OrganizationEvent[], state),
        timeOf: ledgerTimeOf,
        // Every member usage appends two or three events here: a restart must not fold them all.
        snapshot: {
          store: snapshots,
          version: ORGANIZATION_SNAPSHOT_VERSION,
          every: 500,
          toJson: organizationSnapshotOf,
          fromJson: organizationStateFromSnapshot,
        },
        // Many members spend from one pool at once: give the contended stream more attempts.
        maxAttempts: 16,
      },
    );
  }

  async execute(input: OrganizationCommandInput, actor: string): Promise<OrganizationOutcome> {
    try {
      const outcome = await this.run(input, actor);
      this.metrics.commands.inc({
        command: input.type,
        outcome: outcomeLabelOf(outcome),
      });
      return outcome;
    } catch (error) {
      this.metrics.commands.inc({ command: input.type, outcome: 'error' });
      throw error;
    }
  }

  /** The organisation's folded state, brought up to date with the log. */
  async load(organizationId: string): Promise<LoadedStream<OrganizationState>> {
    return this.handler.load(organizationStreamName(organizationId));
  }

  drain(): Promise<void> {
    return this.handler.drain();
  }

  /** Commands in flight finish before the core closes the stores (its own shutdown hook). */
  beforeApplicationShutdown(): Promise<void> {
    return this.drain();
  }

  private async run(input: OrganizationCommandInput, actor: string): Promise<OrganizationOutcome> {
    const stream = organizationStreamName(input.data.organizationId);
    const fingerprint = fingerprintOf(normaliseForFingerprint(input.type, input.data));
    const context: OrganizationDecisionContext = { rateCard: this.rateCard };
    const decideOn = (loaded: LoadedStream<OrganizationState>): StreamDecision<OrganizationDecision> => {
      const now = decisionTime(this.clock, loaded.ledgerTime);
      const decision = decideOrganization(
        { ...input, metadata: { now, fingerprint, actor } } as OrganizationCommand,
        loaded.state,
        context,
      );
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
    let handled = await this.handler.handle(stream, decideOn);
    // A refusal by state appends nothing: on a shared SQLite file another node may have changed the
    // stream meanwhile without this node seeing a conflict. Decide again on the latest state.
    if (
      !this.readsBeforeDecide &&
      handled.result.kind === 'error' &&
      handled.result.error.code !== 'invalid' &&
      (await this.handler.load(stream)).revision !== handled.stream.revision
    ) {
      handled = await this.handler.handle(stream, decideOn);
    }
    this.metrics.versionConflicts.inc(handled.attempts - 1);
    return this.outcomeOf(input, stream, handled);
  }

  private async outcomeOf(
    input: OrganizationCommandInput,
    stream: string,
    handled: HandledCommand<OrganizationState, OrganizationDecision>,
  ): Promise<OrganizationOutcome> {
    const decision = handled.result;
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
            event: { type: event.type, data: event.data } as OrganizationEvent,
            revision: event.revision,
            position: event.position,
          },
        ],
      };
    }
    const appended = handled.appended;
    if (!appended) {
      const loaded = handled.stream;
      const head =
        loaded.revision === 'no_stream'
          ? undefined
          : (await this.store.readStream(stream, { fromRevision: loaded.revision, maxCount: 1 }))[0]
              ?.position;
      return { kind: 'unchanged', position: head ?? (await this.store.headPosition()) };
    }
    // A no-op by value (the same limit again, the same member again) that only wrote off expired pool
    // credits on its way is still a no-op to its caller: the answer is about its own command.
    if (input.type !== 'ExpireOrgCredits' && decision.events.every((e) => e.type === 'OrgCreditsExpired')) {
      return { kind: 'unchanged', position: appended.position };
    }
    const count = decision.events.length;
    const events: PositionedEvent<OrganizationEvent>[] =
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
}

/** Keyed commands use their own id; the others the revision they were decided at. */
function eventIdKeyOf(input: OrganizationCommandInput, loaded: LoadedStream<OrganizationState>): string {
  const id = ownIdOf(input);
  if (id !== undefined) return commandKey(input.type, input.data.organizationId, id);
  const at = loaded.revision === 'no_stream' ? 'new' : loaded.revision.toString();
  return commandKey(input.type, input.data.organizationId, '@', at);
}

function ownIdOf(input: OrganizationCommandInput): string | undefined {
  const data = input.data as Record<string, unknown>;
  for (const field of ['purchaseId', 'grantId', 'requestId', 'holdId', 'topUpId'] as const) {
    if (typeof data[field] === 'string') return data[field] as string;
  }
  return undefined;
}

/** As for accounts (ledger_commands_total): a pool refusal is recorded but counts as `rejected`. */
function outcomeLabelOf(outcome: OrganizationOutcome): string {
  if (outcome.kind === 'appended' && outcome.events.some((e) => e.event.type === 'MemberSpendRejected'))
    return 'rejected';
  return commandOutcomeLabel(outcome as CommandOutcome);
}
