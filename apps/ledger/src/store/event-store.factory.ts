import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  EsdbEventStore,
  SqliteEventStore,
  SqliteSnapshotStore,
  type EventStore,
  type SnapshotStore,
} from '@ledger/event-store';
import type { LedgerConfig } from '../config/ledger-config';

export interface Stores {
  readonly events: EventStore;
  readonly snapshots: SnapshotStore & { close(): Promise<void> };
  readonly engine: 'sqlite' | 'eventstoredb';
}

/**
 * EventStoreDB when EVENTSTORE_CONNECTION_STRING is set; otherwise the embedded SQLite log under the
 * data dir. Snapshots are a local cache either way (a node can drop them and rebuild from the log).
 */
export function openStores(config: LedgerConfig): Stores {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const snapshots = new SqliteSnapshotStore({ path: path.join(config.dataDir, 'snapshots.sqlite') });
  if (config.eventStoreConnectionString) {
    return {
      events: new EsdbEventStore(config.eventStoreConnectionString),
      snapshots,
      engine: 'eventstoredb',
    };
  }
  return {
    events: new SqliteEventStore({ path: path.join(config.dataDir, 'events.sqlite') }),
    snapshots,
    engine: 'sqlite',
  };
}
