import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  EsdbEventStore,
  SqliteEventStore,
  SqliteIdempotencyKeyStore,
  SqliteSnapshotStore,
  type EventStore,
  type IdempotencyKeyStore,
  type SnapshotStore,
} from '@ledger/event-store';
import type { LedgerConfig } from '../config/ledger-config';

/** `<dataDir>/events.sqlite`: the embedded log. */
export const EVENTS_FILE = 'events.sqlite';

export interface Stores {
  readonly events: EventStore;
  readonly snapshots: SnapshotStore & { close(): Promise<void> };
  readonly keys: IdempotencyKeyStore;
  readonly engine: 'sqlite' | 'eventstoredb';
}

/**
 * EventStoreDB when EVENTSTORE_CONNECTION_STRING is set; otherwise the embedded SQLite log under the
 * data dir. Snapshots and their idempotency-key index are a local cache either way: a node can drop the file
 * while it is stopped and rebuild from the log (not while it runs: cached states rely on the index).
 */
export function openStores(
  config: Pick<LedgerConfig, 'dataDir' | 'eventStoreConnectionString'> &
    Partial<Pick<LedgerConfig, 'sqliteWriter'>>,
): Stores {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const cache = path.join(config.dataDir, 'snapshots.sqlite');
  const snapshots = new SqliteSnapshotStore({ path: cache });
  const keys = new SqliteIdempotencyKeyStore({ path: cache });
  if (config.eventStoreConnectionString) {
    // The ledger's event ids are content-addressed (core/command-identity.ts): no read-back per append.
    const events = new EsdbEventStore(config.eventStoreConnectionString, { contentAddressedIds: true });
    return { events, snapshots, keys, engine: 'eventstoredb' };
  }
  const events = new SqliteEventStore({
    path: path.join(config.dataDir, EVENTS_FILE),
    // LEDGER_SQLITE_WRITER=thread: fsyncs wait on a writer thread (not the default: see LedgerConfig).
    writerThread: (config.sqliteWriter ?? 'inline') === 'thread',
  });
  return { events, snapshots, keys, engine: 'sqlite' };
}
