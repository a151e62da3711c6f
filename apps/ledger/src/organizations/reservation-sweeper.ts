import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { accountStreamName, idempotencyKeys, type UsageRecorded } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { LedgerReadSide } from '@ledger/projections';
import { CLOCK, type Clock } from '../clock/clock';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config';
import { AccountCommandsService } from '../core/account-commands.service';
import { EVENT_STORE } from '../store/store.tokens';
import { OrganizationCommandsService } from './organization-commands.service';

/** Reservations repaired per sweep: a bound, so one sweep never holds the ledger up. */
const SWEEP_LIMIT = 1_000;
const CATCH_UP_WAIT_MS = 5_000;
const ACTOR = 'system:org-sweeper';
const READ_PAGE = 1_000;

/** A member reservation past its expiry, as the organisations read model lists them. */
export interface DueMemberReservation {
  readonly organizationId: string;
  readonly holdId: string;
  readonly accountId: string;
  readonly usageId: string;
}

/** What the sweeper asks the organisations read model (readSide.organizations). */
export interface DueMemberReservations {
  dueMemberReservations(now: number, limit: number): readonly DueMemberReservation[];
  /** Organisations whose pool holds credits past their expiry not yet written off. */
  organizationsWithExpiredCredits(now: number, limit: number): readonly string[];
}

export const DUE_MEMBER_RESERVATIONS = Symbol('DUE_MEMBER_RESERVATIONS');

export type RepairOutcome = 'settled' | 'expired' | 'nothing';

/**
 * Repairs member reservations a crash or a lost node left open (SPEC §7: "repaired by the hold's
 * expiry and by idempotent retry"), on every node like the holds expiry scheduler. For each one
 * past its expiresAt: if the member's stream has the usage paid with it, the reservation is
 * settled with what the usage charged; otherwise `PoolReservationLapsed` goes on the member's
 * stream first (with its expected revision: a usage racing to record with that reservation loses,
 * the account decider refuses it from then on), and only then is the reservation expired, its
 * credits back in the pool. Candidates come from the read model; both deciders check again, so a
 * stale read model can only cause a no-op.
 */
@Injectable()
export class ReservationSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OrgSweeper');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopping = false;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DUE_MEMBER_RESERVATIONS) private readonly due: DueMemberReservations,
    private readonly readSide: LedgerReadSide,
    private readonly accounts: AccountCommandsService,
    private readonly organizations: OrganizationCommandsService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), this.config.expirySweepMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * One pass; concurrent callers share it. Resolves to the number of commands that appended
   * (reservations repaired, organisations with expired pool credits written off).
   */
  sweep(): Promise<number> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    const now = this.clock.now();
    await this.readSide.waitForPosition(await this.store.headPosition(), CATCH_UP_WAIT_MS);
    let repaired = 0;
    for (const reservation of this.due.dueMemberReservations(now, SWEEP_LIMIT)) {
      if (this.stopping) break;
      try {
        if ((await this.repair(reservation)) !== 'nothing') repaired++;
      } catch (error) {
        this.logger.error(
          `repairing reservation ${reservation.holdId} of ${reservation.organizationId}: ${(error as Error).message}`,
        );
      }
    }
    if (repaired > 0) this.logger.log(`repaired ${repaired} member reservation(s) past their expiry`);
    return repaired + (this.stopping ? 0 : await this.expirePoolCredits(now));
  }

  /**
   * Writes off expired pool credits of idle organisations (OrgCreditsExpired), as the expiry
   * scheduler does for accounts; the next command of the organisation would do it lazily too.
   * After the repairs: a reservation expired back to an expired grant is written off in this pass.
   */
  private async expirePoolCredits(now: number): Promise<number> {
    let written = 0;
    for (const organizationId of this.due.organizationsWithExpiredCredits(now, SWEEP_LIMIT)) {
      if (this.stopping) break;
      try {
        const outcome = await this.organizations.execute(
          { type: 'ExpireOrgCredits', data: { organizationId } },
          ACTOR,
        );
        if (outcome.kind === 'appended') written++;
      } catch (error) {
        this.logger.error(
          `writing off expired pool credits of ${organizationId}: ${(error as Error).message}`,
        );
      }
    }
    if (written > 0) this.logger.log(`wrote off expired pool credits of ${written} organisation(s)`);
    return written;
  }

  /** Settles or expires one reservation past its expiry; 'nothing' when it was no longer open. */
  async repair(reservation: DueMemberReservation): Promise<RepairOutcome> {
    const { organizationId, holdId, accountId, usageId } = reservation;
    const lapsed = await this.accounts.execute(
      { type: 'LapsePoolReservation', data: { accountId, organizationId, usageId, holdId } },
      ACTOR,
    );
    if (lapsed.kind === 'error') {
      if (lapsed.error.code !== 'conflict' || lapsed.error.reason !== 'pool_hold_used')
        throw new Error(
          `cannot lapse: ${lapsed.error.code === 'invalid' ? JSON.stringify(lapsed.error.fields) : lapsed.error.message}`,
        );
      // The usage was recorded with it: settle with what the usage charged.
      const recorded = await this.usageRecordedWith(accountId, usageId, holdId);
      if (recorded === undefined)
        throw new Error(`the usage paid with ${holdId} is not on account-${accountId}`);
      const settled = await this.organizations.execute(
        {
          type: 'SettleMemberSpend',
          data: { organizationId, holdId, usageId, credits: recorded.data.creditsCharged },
        },
        ACTOR,
      );
      return settled.kind === 'appended' ? 'settled' : 'nothing';
    }
    // PoolReservationLapsed is on the member's stream (now or before): no usage can use it any more.
    const expired = await this.organizations.execute(
      { type: 'ExpireMemberSpend', data: { organizationId, holdId } },
      ACTOR,
    );
    if (expired.kind === 'error' && expired.error.code !== 'conflict')
      throw new Error(
        `cannot expire: ${expired.error.code === 'invalid' ? JSON.stringify(expired.error.fields) : expired.error.message}`,
      );
    return expired.kind === 'appended' ? 'expired' : 'nothing';
  }

  /**
   * The member's UsageRecorded paid with `holdId`: at the revision the usage's idempotency entry
   * names when the state has it, else found by reading the stream (a rare path: repairs only).
   */
  private async usageRecordedWith(
    accountId: string,
    usageId: string,
    holdId: string,
  ): Promise<UsageRecorded | undefined> {
    const stream = accountStreamName(accountId);
    const isIt = (e: { type: string; data: unknown }): boolean =>
      e.type === 'UsageRecorded' &&
      (e.data as UsageRecorded['data']).usageId === usageId &&
      (e.data as UsageRecorded['data']).paidBy?.holdId === holdId;
    const state = await this.accounts.load(accountId);
    const entry = state.idempotency.get(idempotencyKeys.usage(usageId));
    if (entry !== undefined) {
      const [event] = await this.store.readStream(stream, {
        fromRevision: BigInt(entry.revision),
        maxCount: 1,
      });
      if (event !== undefined && isIt(event))
        return { type: 'UsageRecorded', data: event.data } as UsageRecorded;
    }
    for (let from = 0n; ;) {
      const page = await this.store.readStream(stream, { fromRevision: from, maxCount: READ_PAGE });
      const found = page.find(isIt);
      if (found !== undefined) return { type: 'UsageRecorded', data: found.data } as UsageRecorded;
      if (page.length < READ_PAGE) return undefined;
      from = page[page.length - 1].revision + 1n;
    }
  }
}
