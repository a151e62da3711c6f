import { EsdbEventStore } from '@ledger/event-store/esdb';
import { startEsdbDouble } from '../support/esdb-double/esdb-double';
import { describeEventStoreContract } from './event-store.contract';

/**
 * The shared contract, through the real @eventstore/db-client over gRPC: against a real EventStoreDB
 * when EVENTSTORE_CONNECTION_STRING is set (`docker compose up eventstore`, then
 * EVENTSTORE_CONNECTION_STRING=esdb://localhost:2113?tls=false), otherwise against the in-process
 * protocol double. The contract names its streams per test, so a shared real server is fine.
 */
const realServer = process.env.EVENTSTORE_CONNECTION_STRING;

describeEventStoreContract(
  realServer ? 'EsdbEventStore (EventStoreDB server)' : 'EsdbEventStore (gRPC double)',
  async () => {
    if (realServer) {
      const store = new EsdbEventStore(realServer);
      return { store, cleanup: () => store.close() };
    }
    const double = await startEsdbDouble();
    // Short reconnect delays: tests that drop the connection should not wait seconds.
    const store = new EsdbEventStore(double.connectionString, {
      reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await double.stop();
      },
    };
  },
);
