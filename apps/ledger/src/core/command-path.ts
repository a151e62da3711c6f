import type { RateCard } from '@ledger/domain';
import type { Clock } from '../clock/clock';
import { LedgerMetrics } from '../metrics/ledger-metrics';
import { openStores, type Stores } from '../store/event-store.factory';
import { AccountCommandsService } from './account-commands.service';
import { LimitsResetsService } from './limits-resets.service';

export interface CommandPath {
  readonly stores: Stores;
  readonly accounts: AccountCommandsService;
  readonly resets: LimitsResetsService;
  /** Waits for commands in flight, then closes the stores. */
  close(): Promise<void>;
}

/**
 * The command path exactly as the HTTP app wires it (same stores under the data dir, snapshots,
 * key index, cache), without Nest or HTTP: for the command bench and the integration tests.
 * Opening it again on the same dir is a restarted process (cold cache).
 */
export function openCommandPath(options: {
  readonly dataDir: string;
  readonly clock: Clock;
  readonly rateCard: RateCard;
  readonly eventStoreConnectionString?: string;
}): CommandPath {
  const stores = openStores(options);
  const metrics = new LedgerMetrics();
  const resets = new LimitsResetsService(stores.events, options.clock, options.rateCard, metrics);
  const accounts = new AccountCommandsService(
    stores.events,
    stores.snapshots,
    stores.keys,
    options.clock,
    options.rateCard,
    resets,
    metrics,
  );
  return {
    stores,
    accounts,
    resets,
    close: async () => {
      await accounts.drain();
      await Promise.all([stores.events.close(), stores.snapshots.close(), stores.keys.close()]);
    },
  };
}
