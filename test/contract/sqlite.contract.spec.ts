import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledger/event-store';
import { describeEventStoreContract } from './event-store.contract';

// A real file in a temp dir, not ':memory:': WAL, fsync and reopening are part of the contract.
describeEventStoreContract('SqliteEventStore (file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ledger-contract-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
