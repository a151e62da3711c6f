/**
 * A protocol-level EventStoreDB test double: a real gRPC server, built from the service definitions
 * generated inside @eventstore/db-client 6.2.1, so the real client talks to it exactly as it would to a
 * server. In memory, on an ephemeral 127.0.0.1 port, without TLS.
 *
 * TEST CODE ONLY: nothing outside test/ may import it (the adapter must never depend on it).
 *
 * Implemented: Streams.Append, Streams.Read (stream and $all reads, subscriptions with filters and
 * checkpoints) and ServerFeatures.GetSupportedMethods. The latter answers UNIMPLEMENTED, which the
 * client (dist/Client/ServerFeatures.js) accepts as "unknown server version, no optional features", so
 * appendToStream uses plain Append instead of BatchAppend. Gossip is never called: the client only
 * uses it for cluster or discover connection strings, and the double hands out a single-node one.
 */
import * as grpc from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { appendHandler } from './append';
import { MemoryLog } from './memory-log';
import { readHandler } from './read';
import { SubscriptionRegistry } from './subscriptions';

export interface EsdbDouble {
  /** `esdb://127.0.0.1:PORT?tls=false`: single node, insecure, as the client parses it. */
  readonly connectionString: string;
  /** The in-memory log, for assertions that must look under the protocol. */
  readonly log: MemoryLog;
  /** Number of subscriptions currently open. */
  readonly activeSubscriptions: () => number;
  /** Number of subscriptions opened since start (reconnects included). */
  readonly subscriptionsOpened: () => number;
  /** Ends every open subscription with UNAVAILABLE, like a node restart, to exercise reconnects. */
  dropSubscriptions(): void;
  stop(): Promise<void>;
}

export async function startEsdbDouble(): Promise<EsdbDouble> {
  const log = new MemoryLog();
  const registry = new SubscriptionRegistry();
  const server = new grpc.Server();
  const unimplemented = (_call: unknown, callback: grpc.sendUnaryData<never>): void =>
    callback({ code: grpc.status.UNIMPLEMENTED, details: 'not implemented by the test double' });

  server.addService(ServerFeaturesService, { getSupportedMethods: unimplemented });
  server.addService(StreamsService, {
    read: readHandler(log, registry),
    append: appendHandler(log),
    // Not needed by the ledger; a client calling them gets a clear UNIMPLEMENTED.
    delete: unimplemented,
    tombstone: unimplemented,
    batchAppend: (call: grpc.ServerDuplexStream<unknown, unknown>) =>
      call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'use Append' }),
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    log,
    activeSubscriptions: () => registry.size,
    subscriptionsOpened: () => registry.opened,
    dropSubscriptions: () => registry.dropAll(),
    stop: async () => {
      // forceShutdown: open subscriptions never end by themselves, so a graceful shutdown would hang.
      server.forceShutdown();
    },
  };
}
