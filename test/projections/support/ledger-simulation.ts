import {
  accountStreamName,
  decide,
  decideLimitsReset,
  evolve,
  evolveLimitsResets,
  initialLimitsResetsState,
  initialState,
  LIMITS_RESETS_STREAM,
  type AccountCommand,
  type AccountEvent,
  type AccountState,
  type LimitsResetsState,
  type RateCard,
  type ResetLimits,
} from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { randomUUID } from 'node:crypto';

type DataOf<T extends AccountCommand['type']> = Extract<AccountCommand, { type: T }>['data'];

/**
 * Drives the real decider against a real event store, the way the command side does, and keeps
 * every account's events so tests can fold the log themselves (the reference the read models
 * must agree with).
 */
export class LedgerSimulation {
  readonly states = new Map<string, AccountState>();
  readonly eventsByAccount = new Map<string, AccountEvent[]>();
  private resetsState: LimitsResetsState = initialLimitsResetsState();
  lastPosition = 0n;

  constructor(
    readonly store: EventStore,
    readonly rateCard: RateCard,
  ) {}

  get resets() {
    return this.resetsState.resets;
  }

  /** Decides and appends; returns the events appended ([] for a replay or a refused command). */
  async run<T extends AccountCommand['type']>(
    type: T,
    data: DataOf<T>,
    now: number,
  ): Promise<AccountEvent[]> {
    const command = {
      type,
      data,
      metadata: { now, fingerprint: `fp:${JSON.stringify(data)}`, actor: 'tester' },
    } as AccountCommand;
    const accountId = data.accountId;
    const state = this.states.get(accountId) ?? initialState();
    const decision = decide(command, state, {
      rateCard: this.rateCard,
      resets: this.resetsState.resets,
      usageEventOf: (usageId) => this.usageEventOf(accountId, usageId),
    });
    if (decision.kind !== 'events' || decision.events.length === 0) return [];
    const result = await this.store.appendToStream(
      accountStreamName(accountId),
      decision.events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data })),
      { expectedRevision: state.version === 0 ? 'no_stream' : BigInt(state.version - 1) },
    );
    this.lastPosition = result.position;
    this.states.set(accountId, decision.events.reduce(evolve, state));
    this.eventsByAccount.set(accountId, [...(this.eventsByAccount.get(accountId) ?? []), ...decision.events]);
    return [...decision.events];
  }

  /** As the shell reads it for a reversal: the event of the account that recorded the usage id. */
  usageEventOf(accountId: string, usageId: string): AccountEvent | undefined {
    return (this.eventsByAccount.get(accountId) ?? []).find(
      (e) =>
        (e.type === 'UsageRecorded' || e.type === 'UsageRejected' || e.type === 'HoldSettled') &&
        e.data.usageId === usageId,
    );
  }

  async resetLimits(data: ResetLimits['data'], now: number): Promise<void> {
    const command: ResetLimits = {
      type: 'ResetLimits',
      data,
      metadata: { now, fingerprint: `fp:${data.resetId}`, actor: 'admin' },
    };
    const decision = decideLimitsReset(command, this.resetsState, { rateCard: this.rateCard });
    if (decision.kind !== 'events') return;
    const version = this.resetsState.version;
    const result = await this.store.appendToStream(
      LIMITS_RESETS_STREAM,
      decision.events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data })),
      { expectedRevision: version === 0 ? 'no_stream' : BigInt(version - 1) },
    );
    this.lastPosition = result.position;
    this.resetsState = decision.events.reduce(evolveLimitsResets, this.resetsState);
  }
}
