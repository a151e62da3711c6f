import {
  Global,
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { RateCard } from '@ledger/domain';
import { CLOCK, SimulatedClock, SystemClock, type Clock } from '../clock/clock';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { openStores, type Stores } from '../store/event-store.factory';
import { EVENT_STORE, IDEMPOTENCY_KEYS, SNAPSHOT_STORE } from '../store/store.tokens';
import { AccountCommandsService } from './account-commands.service';
import { LimitsResetsService } from './limits-resets.service';
import { loadRateCard } from './rate-card.loader';
import { RATE_CARD } from './tokens';

const STORES = Symbol('STORES');

/**
 * The ledger without HTTP: config, clock, rate card, event store, command handling. The HTTP app
 * and the CLI both build on it.
 */
@Global()
@Module({})
export class LedgerCoreModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Ledger');

  constructor(
    @Inject(STORES) private readonly stores: Stores,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RATE_CARD) private readonly rateCard: RateCard,
    private readonly accounts: AccountCommandsService,
    private readonly resets: LimitsResetsService,
  ) {}

  static forConfig(config: LedgerConfig): DynamicModule {
    return {
      module: LedgerCoreModule,
      providers: [
        { provide: LEDGER_CONFIG, useValue: config },
        { provide: RATE_CARD, useFactory: () => loadRateCard(config.rateCardPath) },
        { provide: CLOCK, useFactory: () => clockOf(config) },
        { provide: STORES, useFactory: () => openStores(config) },
        { provide: EVENT_STORE, useFactory: (stores: Stores) => stores.events, inject: [STORES] },
        { provide: SNAPSHOT_STORE, useFactory: (stores: Stores) => stores.snapshots, inject: [STORES] },
        { provide: IDEMPOTENCY_KEYS, useFactory: (stores: Stores) => stores.keys, inject: [STORES] },
        LedgerMetrics,
        LimitsResetsService,
        AccountCommandsService,
      ],
      exports: [
        LEDGER_CONFIG,
        RATE_CARD,
        CLOCK,
        EVENT_STORE,
        SNAPSHOT_STORE,
        LedgerMetrics,
        LimitsResetsService,
        AccountCommandsService,
      ],
    };
  }

  async onModuleInit(): Promise<void> {
    // A clock behind the log (a simulated clock restarted at LEDGER_CLOCK_START) continues from the
    // log's time. If the log cannot be read now, the first command does it (it waits for this too).
    await this.resets.clockAtLog().catch((error: unknown) => {
      this.logger.warn(`could not read the log's time at start: ${String(error)}`);
    });
    this.logger.log(
      `event store: ${this.stores.engine}; rate card ${this.rateCard.version}; clock: ${this.clock instanceof SimulatedClock ? 'simulated' : 'system'} ${new Date(this.clock.now()).toISOString()}`,
    );
  }

  /** Finish in-flight commands, then close the stores (a pending group commit is flushed on close). */
  async onApplicationShutdown(): Promise<void> {
    await this.accounts.drain();
    await this.stores.events.close();
    await this.stores.snapshots.close();
    await this.stores.keys.close();
  }
}

function clockOf(config: LedgerConfig): Clock {
  if (config.clock.mode === 'system') return new SystemClock();
  return new SimulatedClock(config.clock.start ? Date.parse(config.clock.start) : Date.now());
}
