import { randomUUID } from 'node:crypto';
import { EventStore, RecordedEvent } from '@ledger/event-store';
import { ContractContext } from './contract-context';
import { describeReads } from './reads.contract';
import { describeWrites } from './writes.contract';

/**
 * The rules every EventStore adapter obeys, engine-neutral: streams are named per test (a real
 * server keeps other tests' and system events in its log), positions are only compared, never
 * assumed contiguous or small, and $all reads are filtered to the test's own streams.
 */
export type MakeEventStore = () => Promise<{ store: EventStore; cleanup: () => Promise<void> }>;

export function describeEventStoreContract(adapterName: string, makeStore: MakeEventStore): void {
  describe(`EventStore contract: ${adapterName}`, () => {
    let current: { store: EventStore; cleanup: () => Promise<void> } | undefined;
    let prefix = '';

    beforeEach(async () => {
      current = await makeStore();
      prefix = `contract_${randomUUID().replace(/-/g, '')}`;
    });
    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    const isOurs = (event: RecordedEvent) => event.streamName.startsWith(`${prefix}-`);
    const ctx: ContractContext = {
      get store(): EventStore {
        if (current === undefined) throw new Error('contract: no store outside a test');
        return current.store;
      },
      streamName: (name) => `${prefix}-${name}`,
      isOurs,
      ours: (events) => events.filter(isOurs),
    };

    describeWrites(ctx);
    describeReads(ctx);
  });
}
