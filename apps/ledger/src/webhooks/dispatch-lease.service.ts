import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import {
  DISPATCH_LEASE_STREAM,
  decideDispatchLease,
  evolveDispatchLease,
  holdsDispatchLease,
  initialDispatchLeaseState,
  type DispatchLeaseCommand,
  type DispatchLeaseDecision,
  type DispatchLeaseEvent,
  type DispatchLeaseState,
} from '@ledger/domain';
import { StreamCommandHandler, TooManyConflictsError, type EventStore } from '@ledger/event-store';
import { CLOCK, decisionTime, type Clock } from '../clock/clock';
import { ledgerTimeOf } from '../clock/ledger-time-of';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config';
import { commandKey, eventIdsOf } from '../core/command-identity';
import { EVENT_STORE } from '../store/store.tokens';

/**
 * This node's side of the dispatch lease (libs/domain/src/webhooks/dispatch-lease.ts): take it when
 * free or lapsed, renew it while held, release it when stopping. Whoever holds it is the one
 * dispatcher of the deployment; the others only keep asking.
 */
@Injectable()
export class DispatchLeaseService {
  /** Unique per process: a restarted node is a new holder (it takes over a released or lapsed lease). */
  readonly holder = `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  private readonly handler: StreamCommandHandler<DispatchLeaseState>;
  private state: DispatchLeaseState = initialDispatchLeaseState();

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {
    this.handler = new StreamCommandHandler<DispatchLeaseState>(store, {
      readBeforeDecide: true,
      initialState: initialDispatchLeaseState,
      fold: (state, events) => (events as readonly DispatchLeaseEvent[]).reduce(evolveDispatchLease, state),
      timeOf: ledgerTimeOf,
      cacheCapacity: 1,
      maxAttempts: 3,
    });
  }

  /** Takes or renews the lease; true when this node holds it now. */
  async acquire(): Promise<boolean> {
    return this.run('AcquireDispatchLease');
  }

  /** Gives the lease up (a clean stop), so a successor need not wait for it to lapse. */
  async release(): Promise<void> {
    if (this.state.holder === this.holder) await this.run('ReleaseDispatchLease');
  }

  /** Whether the lease, as last seen, is still this node's at the ledger clock's now. */
  heldNow(): boolean {
    return holdsDispatchLease(this.state, this.holder, this.clock.now());
  }

  /** Held by this node with half of it or less left: time to renew (a long pass renews on the way). */
  dueForRenewal(): boolean {
    const now = this.clock.now();
    return this.heldNow() && this.state.until - now <= this.config.webhooks.leaseMs / 2;
  }

  /** Who holds it, as last seen (for /health-like answers and logs). */
  seen(): DispatchLeaseState {
    return this.state;
  }

  private async run(type: DispatchLeaseCommand['type']): Promise<boolean> {
    let now = this.clock.now();
    try {
      const handled = await this.handler.handle<DispatchLeaseDecision>(DISPATCH_LEASE_STREAM, (loaded) => {
        now = decisionTime(this.clock, loaded.ledgerTime);
        const command: DispatchLeaseCommand =
          type === 'AcquireDispatchLease'
            ? { type, data: { holder: this.holder, ttlMs: this.config.webhooks.leaseMs }, metadata: { now } }
            : { type, data: { holder: this.holder }, metadata: { now } };
        const decision = decideDispatchLease(command, loaded.state);
        this.state = loaded.state;
        if (decision.kind !== 'events' || decision.events.length === 0)
          return { events: [], result: decision };
        const revision = loaded.revision === 'no_stream' ? '-' : loaded.revision.toString();
        const key = commandKey(type, this.holder, '@', revision);
        const ids = eventIdsOf({ stream: DISPATCH_LEASE_STREAM, key, events: decision.events });
        const events = decision.events.map((event, index) => ({
          id: ids[index],
          type: event.type,
          data: event.data as unknown as Record<string, unknown>,
          metadata: { command: type, idempotencyKey: key, actor: 'system:webhooks' },
        }));
        return { events, result: decision };
      });
      this.state = handled.stream.state;
    } catch (error) {
      // Another node wrote the lease stream each time we tried: it is theirs for now.
      if (!(error instanceof TooManyConflictsError)) throw error;
    }
    return holdsDispatchLease(this.state, this.holder, now);
  }
}
