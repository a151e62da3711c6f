import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledger/event-store';
import { describeEventStoreContract } from './event-store.contract';

// A real file in a temp dir, not ':memory:': WAL, fsync and reopening are part of the contract.
// Both writers: inline (the CLI, tests) and on a thread of its own (the server's default).
for (const writerThread of [false, true]) {
  describeEventStoreContract(
    `SqliteEventStore (file, ${writerThread ? 'writer thread' : 'inline writer'})`,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'ledger-contract-'));
      const store = new SqliteEventStore({ path: join(dir, 'events.db'), writerThread });
      return {
        store,
        cleanup: async () => {
          await store.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  );
}
