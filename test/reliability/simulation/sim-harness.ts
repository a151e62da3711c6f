import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { accountStreamName, type AccountEvent, type AccountState, type LimitsReset } from '@ledger/domain';
import { readStreamIfExists, type EventStore } from '@ledger/event-store';
import { CLOCK, type SimulatedClock } from '../../../apps/ledger/src/clock/clock';
import { loadLedgerConfig } from '../../../apps/ledger/src/config/ledger-config';
import {
  AccountCommandsService,
  type AccountCommandInput,
} from '../../../apps/ledger/src/core/account-commands.service';
import type { CommandOutcome } from '../../../apps/ledger/src/core/command-outcome';
import { LedgerCoreModule } from '../../../apps/ledger/src/core/ledger-core.module';
import { LimitsResetsService } from '../../../apps/ledger/src/core/limits-resets.service';
import { EVENT_STORE } from '../../../apps/ledger/src/store/store.tokens';
import type { Fact } from './sim-books';
import { SimulatedOrgs } from './sim-harness-orgs';
import type { Outcome, SimOp, Summary } from './sim-types';

/**
 * The system under test without HTTP: the ledger core (the real command services over the real
 * store, snapshots and all) as a Nest application context, on a simulated clock. The store is the
 * embedded SQLite log under `dir`, or, given an `eventStoreConnectionString`, EventStoreDB through
 * its official client (the tests hand it the gRPC wire double's; snapshots stay under `dir`).
 * `restart()` closes it and builds a new one on the same files, as a process restart would: every
 * cache is dropped and later commands load from snapshots + log. The clock survives restarts.
 */
export class SimulatedLedger {
  private context!: INestApplicationContext;
  private accounts!: AccountCommandsService;
  private resets!: LimitsResetsService;
  private clock!: SimulatedClock;
  private store!: EventStore;
  /** Organisations (SPEC §7): the shell's org services on this context's store and clock. */
  orgs!: SimulatedOrgs;

  private constructor(
    private readonly dir: string,
    private readonly eventStoreConnectionString: string | undefined,
  ) {}

  static async start(
    dir: string,
    start: number,
    options: { eventStoreConnectionString?: string } = {},
  ): Promise<SimulatedLedger> {
    const ledger = new SimulatedLedger(dir, options.eventStoreConnectionString);
    await ledger.open(start);
    return ledger;
  }

  private async open(now: number): Promise<void> {
    const config = loadLedgerConfig({
      ...(this.eventStoreConnectionString === undefined
        ? {}
        : { EVENTSTORE_CONNECTION_STRING: this.eventStoreConnectionString }),
      LEDGER_DATA_DIR: this.dir,
      LEDGER_CLOCK: 'simulated',
      LEDGER_CLOCK_START: new Date(now).toISOString(),
      LOG_LEVEL: 'error',
    });
    this.context = await NestFactory.createApplicationContext(LedgerCoreModule.forConfig(config), {
      logger: false,
    });
    this.accounts = this.context.get(AccountCommandsService);
    this.resets = this.context.get(LimitsResetsService);
    this.clock = this.context.get<SimulatedClock>(CLOCK);
    this.store = this.context.get<EventStore>(EVENT_STORE);
    this.orgs = new SimulatedOrgs(this.context, this.accounts, this.store);
  }

  /** The account's events from `revision` on (the facts the books are kept from). */
  async eventsOf(accountId: string, revision: number): Promise<Fact[]> {
    const events = await readStreamIfExists(this.store, accountStreamName(accountId), {
      fromRevision: BigInt(revision),
    });
    return (events ?? []).map(({ type, data }) => ({ type, data }));
  }

  /** The account as the command service folds it (cache, snapshot + tail). */
  stateOf(accountId: string): Promise<AccountState> {
    return this.accounts.load(accountId);
  }

  now(): number {
    return this.clock.now();
  }

  advanceBy(ms: number): void {
    this.clock.advanceBy(ms);
  }

  async restart(): Promise<void> {
    const now = this.clock.now();
    await this.close();
    await this.open(now);
  }

  close(): Promise<void> {
    return this.context.close();
  }

  async run(op: SimOp): Promise<Outcome> {
    if (op.kind === 'global') {
      return observed(await this.resets.execute({ data: op.data as never }, 'sim'));
    }
    if (op.kind === 'org') return this.orgs.run(op);
    // Usage goes through the member path as the HTTP shell sends it (a non-member's is plain RecordUsage).
    if (op.type === 'RecordUsage')
      return observed(await this.orgs.memberUsage.record(op.data as never, 'sim'));
    return observed(
      await this.accounts.execute({ type: op.type, data: op.data } as AccountCommandInput, 'sim'),
    );
  }
}

function observed(outcome: CommandOutcome<AccountEvent | LimitsReset>): Outcome {
  switch (outcome.kind) {
    case 'error':
      return { kind: 'error', code: outcome.error.code };
    case 'unchanged':
      return { kind: 'unchanged' };
    case 'replayed':
      return { kind: 'replayed', event: summaryOf(outcome.events[outcome.events.length - 1].event) };
    case 'appended':
      return { kind: 'appended', events: outcome.events.map((e) => summaryOf(e.event)) };
  }
}

/** The facts of an event that the reference model predicts, in the model's shape. */
export function summaryOf(event: AccountEvent | LimitsReset): Summary {
  switch (event.type) {
    case 'AccountOpened':
      return { type: event.type, plan: event.data.plan };
    case 'PlanChanged':
      return { type: event.type, from: event.data.from, to: event.data.to };
    case 'UsageRecorded': {
      const d = event.data;
      return {
        type: event.type,
        usageId: d.usageId,
        allowanceUnits: d.allowanceUnits,
        creditsCharged: d.creditsCharged,
        allocations: d.allocations.map(({ grantId, credits }) => ({ grantId, credits })),
        windows: windowsOf(d.windows),
        balanceAfter: d.balanceAfter,
        heldAfter: d.heldAfter,
        // Paid from an organisation's pool (SPEC §7); the attempt number in the hold id is the shell's.
        ...(d.paidBy === undefined
          ? {}
          : {
              paidBy: {
                organizationId: d.paidBy.organizationId,
                holdId: d.paidBy.holdId.replace(/^member-usage:\d+:/, 'member-usage:n:'),
              },
            }),
      };
    }
    case 'UsageRejected': {
      const d = event.data;
      return {
        type: event.type,
        usageId: d.usageId,
        reason: d.reason,
        requiredCredits: d.requiredCredits,
        resetsAt: d.resetsAt,
        windows: windowsOf(d.windows),
        balanceAfter: d.balanceAfter,
        heldAfter: d.heldAfter,
        // Refused by an organisation's pool (SPEC §7).
        ...(d.organizationId === undefined
          ? {}
          : { organizationId: d.organizationId, limitSource: d.limitSource ?? null, limit: d.limit ?? null }),
      };
    }
    case 'CreditsPurchased':
    case 'CreditsGranted': {
      const d = event.data;
      const id = event.type === 'CreditsPurchased' ? event.data.purchaseId : event.data.grantId;
      return {
        type: event.type,
        id,
        credits: d.credits,
        expiresAt: d.expiresAt,
        products: d.products,
        priority: d.priority,
      };
    }
    case 'PurchaseRefunded':
      return {
        type: event.type,
        refundId: event.data.refundId,
        purchaseId: event.data.purchaseId,
        credits: event.data.credits,
        amountMinor: event.data.amountRefunded.amountMinor,
      };
    case 'SpendingCapSet':
      return { type: event.type, creditsPerMonth: event.data.creditsPerMonth };
    case 'CreditsExpired':
      return { type: event.type, grantId: event.data.grantId, credits: event.data.credits };
    case 'AccountLimitsReset':
      return { type: event.type, resetId: event.data.resetId, product: event.data.product };
    case 'HoldPlaced': {
      const d = event.data;
      return {
        type: event.type,
        holdId: d.holdId,
        product: d.product,
        lines: linesOf(d.lines),
        expiresAt: d.expiresAt,
        allowanceUnits: d.allowanceUnits,
        heldIn: d.heldIn.map(({ window, startedAt, resetsAt }) => ({ window, startedAt, resetsAt })),
        credits: d.credits,
        allocations: allocationsOf(d.allocations),
        windows: windowsOf(d.windows),
        balanceAfter: d.balanceAfter,
        heldAfter: d.heldAfter,
      };
    }
    case 'HoldRejected': {
      const d = event.data;
      return {
        type: event.type,
        holdId: d.holdId,
        product: d.product,
        lines: linesOf(d.lines),
        reason: d.reason,
        requiredCredits: d.requiredCredits,
        resetsAt: d.resetsAt,
        windows: windowsOf(d.windows),
        balanceAfter: d.balanceAfter,
        heldAfter: d.heldAfter,
      };
    }
    case 'HoldSettled': {
      const d = event.data;
      const part = (p: typeof d.consumed) => ({
        allowanceUnits: p.allowanceUnits,
        credits: p.credits,
        allocations: allocationsOf(p.allocations),
      });
      return {
        type: event.type,
        holdId: d.holdId,
        usageId: d.usageId,
        product: d.product,
        lines: linesOf(d.lines),
        units: d.units,
        heldIn: d.heldIn.map(({ window, startedAt }) => ({ window, startedAt })),
        consumed: part(d.consumed),
        charged: part(d.charged),
        released: releasedOf(d.released),
        uncollected: { credits: d.uncollected.credits, reason: d.uncollected.reason },
        windows: windowsOf(d.windows),
        balanceAfter: d.balanceAfter,
        heldAfter: d.heldAfter,
      };
    }
    case 'HoldReleased':
      return {
        type: event.type,
        holdId: event.data.holdId,
        reason: event.data.reason,
        released: releasedOf(event.data.released),
      };
    case 'HoldExpired':
      return {
        type: event.type,
        holdId: event.data.holdId,
        expiresAt: event.data.expiresAt,
        released: releasedOf(event.data.released),
      };
    case 'UsageReversed': {
      const d = event.data;
      return {
        type: event.type,
        reversalId: d.reversalId,
        usageId: d.usageId,
        product: d.product,
        allowanceUnits: d.allowanceUnits,
        credits: d.credits,
        allocations: allocationsOf(d.allocations),
        regranted:
          d.regranted === null ? null : { grantId: d.regranted.grantId, credits: d.regranted.credits },
        windows: d.windows.map(({ window, startedAt, units }) => ({ window, startedAt, units })),
        monthCredits: d.monthCredits,
      };
    }
    case 'AlertsSet':
    case 'AutoTopUpSet':
    case 'TopUpRequested':
    case 'TopUpFailed':
    case 'AutoTopUpDisabled':
    case 'CreditsExpiringSoon':
    case 'JoinedOrganization':
    case 'LeftOrganization':
    case 'PoolReservationLapsed':
      // Not summarised here: the workload sends no alert command and never turns auto top-up on
      // (auto top-up is proved against a log-only reference by the alerts and org-alerts property
      // tests), and sim-harness-orgs.ts observes membership on the organisation's stream.
      throw new Error(`the simulation does not model ${event.type} yet`);
    case 'LimitsReset': {
      const d = event.data;
      return {
        type: event.type,
        resetId: d.resetId,
        scope: d.scope,
        plan: d.plan,
        product: d.product,
        resetAt: d.resetAt,
      };
    }
  }
}

function windowsOf(
  windows: readonly {
    window: string;
    used: number;
    held?: number;
    limit: number;
    remaining: number;
    startedAt: string | null;
    resetsAt: string | null;
  }[],
) {
  // `held` is absent only in events recorded before issue 17 (read as 0).
  return windows.map(({ window, used, held, limit, remaining, startedAt, resetsAt }) => ({
    window,
    used,
    held: held ?? 0,
    limit,
    remaining,
    startedAt,
    resetsAt,
  }));
}

function linesOf(lines: readonly { operation: string; quantity: number }[]) {
  return lines.map(({ operation, quantity }) => ({ operation, quantity }));
}

function allocationsOf(allocations: readonly { grantId: string; credits: string }[]) {
  return allocations.map(({ grantId, credits }) => ({ grantId, credits }));
}

function releasedOf(released: {
  allowanceUnits: number;
  credits: string;
  allocations: readonly { grantId: string; credits: string }[];
  expired: readonly { grantId: string; credits: string }[];
}) {
  return {
    allowanceUnits: released.allowanceUnits,
    credits: released.credits,
    allocations: allocationsOf(released.allocations),
    expired: allocationsOf(released.expired),
  };
}
