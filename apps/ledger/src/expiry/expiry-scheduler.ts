import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { EventStore } from '@ledger/event-store';
import { LedgerReadSide } from '@ledger/projections';
import { CLOCK, type Clock } from '../clock/clock';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config';
import { AccountCommandsService } from '../core/account-commands.service';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { EVENT_STORE } from '../store/store.tokens';

/** Accounts written off per sweep: a bound, so one sweep never holds the ledger up. */
const SWEEP_LIMIT = 1_000;
const CATCH_UP_WAIT_MS = 5_000;

/**
 * Writes off expired credits on idle accounts (`CreditsExpired`) and releases holds whose time is
 * up (`HoldExpired`, SPEC §6), so balances, holds and the journal show expiry without waiting for
 * the account's next command (which would do both lazily too). Candidates come from the
 * credit-balances and holds read models; the decider re-checks each one against the account
 * stream, so a stale read model can only cause a no-op, never a wrong write-off or release.
 */
@Injectable()
export class ExpiryScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Expiry');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopping = false;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly readSide: LedgerReadSide,
    private readonly accounts: AccountCommandsService,
    private readonly metrics: LedgerMetrics,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep().catch(() => undefined), this.config.expirySweepMs);
    this.timer.unref();
  }

  /**
   * Stops before any module's shutdown hook: the read side closes its file in
   * `beforeApplicationShutdown`, so a sweep still reading it then would fail the close. The sweep in
   * flight stops after its current command; its outcome no longer matters to anyone.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * One pass; concurrent callers share it. Resolves to the number of commands that appended (accounts
   * with credits written off, and holds released by expiry).
   */
  sweep(): Promise<number> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    const now = this.clock.now();
    // Candidates come from the read model: let it catch up with the log first (bounded wait).
    await this.readSide.waitForPosition(await this.store.headPosition(), CATCH_UP_WAIT_MS);
    const due = this.readSide.accounts.accountsWithExpiredCredits(now, SWEEP_LIMIT);
    let written = 0;
    for (const accountId of due) {
      if (this.stopping) break;
      try {
        const outcome = await this.accounts.execute(
          { type: 'ExpireCredits', data: { accountId } },
          'system:expiry',
        );
        if (outcome.kind === 'appended') written++;
      } catch (error) {
        this.metrics.creditsExpiredSweeps.inc({ result: 'error' });
        this.logger.error(`writing off expired credits of ${accountId}: ${(error as Error).message}`);
      }
    }
    this.metrics.creditsExpiredSweeps.inc({ result: 'ok' });
    if (written > 0) this.logger.log(`wrote off expired credits on ${written} account(s)`);
    const holds = this.stopping ? 0 : await this.expireHolds(now);
    return written + holds + (this.stopping ? 0 : await this.announceExpiring(now));
  }

  /**
   * AnnounceExpiringCredits for accounts with a grant expiring within their horizon not announced
   * yet (`credits.expiring`, SPEC §8): an account without traffic is told too. The event makes the
   * notification part of the log, so a replay derives it again.
   */
  private async announceExpiring(now: number): Promise<number> {
    let announced = 0;
    for (const accountId of this.readSide.notifications.accountsWithCreditsExpiringSoon(now, SWEEP_LIMIT)) {
      if (this.stopping) break;
      try {
        const outcome = await this.accounts.execute(
          { type: 'AnnounceExpiringCredits', data: { accountId } },
          'system:expiry',
        );
        if (outcome.kind === 'appended') announced++;
      } catch (error) {
        this.logger.error(`announcing expiring credits of ${accountId}: ${(error as Error).message}`);
      }
    }
    if (announced > 0) this.logger.log(`announced expiring credits on ${announced} account(s)`);
    return announced;
  }

  /**
   * ExpireHold for each hold due: the decider's lazy step releases every due hold of the account
   * (the first command of an account releases its other due holds too; theirs are then no-ops).
   */
  private async expireHolds(now: number): Promise<number> {
    let released = 0;
    for (const { holdId, accountId } of this.readSide.holds.dueHolds(now, SWEEP_LIMIT)) {
      if (this.stopping) break;
      try {
        const outcome = await this.accounts.execute(
          { type: 'ExpireHold', data: { holdId, accountId } },
          'system:expiry',
        );
        if (outcome.kind === 'appended') released++;
      } catch (error) {
        this.logger.error(`expiring hold ${holdId} of ${accountId}: ${(error as Error).message}`);
      }
    }
    if (released > 0) this.logger.log(`released ${released} expired hold(s)`);
    return released;
  }
}
