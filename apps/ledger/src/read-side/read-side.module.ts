import {
  Global,
  Inject,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { EventStore } from '@ledger/event-store';
import { LedgerReadSide, READ_MODELS_FILE } from '@ledger/projections';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config';
import { FinanceModule } from '../finance/finance.module';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { EVENTS_FILE } from '../store/event-store.factory';
import { EVENT_STORE } from '../store/store.tokens';
import { SupportModule } from '../support/support.module';
import { ProjectionMetrics } from './projection-metrics';
import { WorkerProjectionRunner } from './worker-projection-runner';

/**
 * The read side of this node: its read-model file under the data dir, the runner that follows
 * the log from bootstrap to shutdown, and the support and finance
 * query endpoints. `LedgerReadSide` is exported for the accounts controller (`accounts.account`).
 */
@Global()
@Module({
  imports: [SupportModule, FinanceModule],
  providers: [
    {
      provide: ProjectionMetrics,
      useFactory: (metrics: LedgerMetrics) => new ProjectionMetrics(metrics),
      inject: [LedgerMetrics],
    },
    {
      provide: LedgerReadSide,
      useFactory: async (config: LedgerConfig, store: EventStore, metrics: ProjectionMetrics) => {
        mkdirSync(config.dataDir, { recursive: true });
        const logger = new Logger('ReadSide');
        const databasePath = join(config.dataDir, READ_MODELS_FILE);
        // The runner shares the event loop with HTTP when on the request thread: a batch is applied
        // in one synchronous transaction (≈ 50–70 µs an event), so batches stay small enough not to
        // stall requests for long: ≈ 60 ms live, ≈ 300 ms per catch-up page.
        const sizes = { batchSize: 1_000, catchUpPageSize: 5_000 };
        if (config.projectionsThread === 'main') {
          const readSide = LedgerReadSide.open({
            store,
            databasePath,
            ...sizes,
            onCommit: (progress) => metrics.onCommit(progress),
            onError: (error, failure) => {
              logger.error(`projection runner: ${error.message}`, error.stack);
              if (failure !== undefined) metrics.onFailure(failure);
            },
            onReread: (reason) => logger.warn(`projection runner: reading the log again: ${reason.message}`),
            onSetAside: (message) => logger.warn(`read models: ${message}`),
            onFailuresChanged: () => undefined,
          });
          const notFromLog = await readSide.rebuildIfNotFromLog();
          if (notFromLog !== undefined) logger.warn(`read models rebuilt from the log: ${notFromLog}`);
          return readSide;
        }
        // Default: the runner on its own thread, with its own connections; this thread only queries.
        const { runner, rebuiltOnOpen } = await WorkerProjectionRunner.spawn(
          {
            ...(config.eventStoreConnectionString === undefined
              ? { eventsPath: join(config.dataDir, EVENTS_FILE) }
              : { eventStoreConnectionString: config.eventStoreConnectionString }),
            databasePath,
          },
          {
            onCommit: (progress) => metrics.onCommit(progress),
            onLog: (level, message, stack, failure) => {
              if (level === 'error') logger.error(message, stack);
              else logger.warn(message);
              if (failure !== undefined) metrics.onFailure(failure);
            },
          },
        );
        if (rebuiltOnOpen.length > 0)
          logger.log(`rebuilding from position 0 (code version changed): ${rebuiltOnOpen.join(', ')}`);
        return LedgerReadSide.open({ store, databasePath, runner });
      },
      inject: [LEDGER_CONFIG, EVENT_STORE, ProjectionMetrics],
    },
  ],
  exports: [LedgerReadSide],
})
export class ReadSideModule implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ReadSide');

  constructor(
    private readonly readSide: LedgerReadSide,
    private readonly metrics: ProjectionMetrics,
    private readonly ledgerMetrics: LedgerMetrics,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  onApplicationBootstrap(): void {
    if (this.readSide.rebuiltOnOpen.length > 0) {
      this.logger.log(
        `rebuilding from position 0 (code version changed): ${this.readSide.rebuiltOnOpen.join(', ')}`,
      );
    }
    this.readSide.start();
    // Lag needs the log's head (an async read): computed when Prometheus scrapes, never stale.
    this.ledgerMetrics.beforeScrape(() => this.metrics.refreshLag(this.store, this.readSide));
    this.ledgerMetrics.beforeScrape(async () => this.metrics.refreshStalled(this.readSide));
  }

  /** Before the core closes the event store: the runner must stop reading it first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.readSide.close();
  }
}
