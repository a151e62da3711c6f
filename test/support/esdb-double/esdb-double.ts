/**
 * A protocol-level EventStoreDB test double: a real gRPC server, built from the service definitions
 * generated inside @eventstore/db-client 6.2.1, so the real client talks to it exactly as it would to a
 * server. In memory, on an ephemeral 127.0.0.1 port, without TLS.
 *
 * TEST CODE ONLY: nothing outside test/ may import it (the adapter must never depend on it).
 *
 * Implemented: Streams.Append (with the 1 MiB MaxAppendSize), Streams.Read (stream and $all reads,
 * subscriptions with filters and checkpoints), Streams.Delete and Streams.Tombstone, and
 * ServerFeatures.GetSupportedMethods ('unknown' by default: UNIMPLEMENTED; '24.10': what a real server
 * lists, see ./server-features.ts). BatchAppend answers UNIMPLEMENTED: the ledger's adapter uses the
 * unary Append deliberately (EsdbEventStore.appendOnce). Gossip is never called: the client only uses
 * it for cluster or discover connection strings, and the double hands out a single-node one.
 *
 * Like a server, and unlike a map: `any` idempotency forgets old ids (`idCacheSize`), `$all` can hold
 * the server's own events (`systemEvents`), calls can fail as a cluster's do (`faults`), and a double
 * started with `follower: leaderDouble` is a follower: it answers NotLeader to `requires-leader`
 * calls, serves other reads from its own (stale) log, and forwards appends to the leader.
 */
import * as grpc from '@grpc/grpc-js';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { appendHandler, DEFAULT_MAX_APPEND_SIZE } from './append';
import { deleteHandler, tombstoneHandler } from './delete';
import { type Endpoint, FaultSwitch, guardStream, guardWithCallback, rpcError } from './faults';
import { MemoryLog } from './memory-log';
import { readHandler } from './read';
import { type ServerFeatures, supportedMethodsHandler } from './server-features';
import { SubscriptionRegistry } from './subscriptions';
import { collectStats, seedSystemEvents } from './system-events';

export interface EsdbDoubleOptions {
  /** Bytes one append may carry (server default 1 MiB). */
  readonly maxAppendSize?: number;
  readonly serverFeatures?: ServerFeatures;
  /** Ids remembered for `any` / `stream_exists` idempotency (default 1000). */
  readonly idCacheSize?: number;
  /** Seed the server's own events, and write `$statsCollected` after every `statsEvery` user events. */
  readonly systemEvents?: { readonly statsEvery?: number };
  /** Makes this double a follower of `follower` (the leader). */
  readonly follower?: EsdbDouble;
}

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
  /** Where clients reach it (what a NotLeader answer names). */
  readonly endpoint: Endpoint;
  /** Faults injected in front of every Streams call: `faults.set({ kind: 'unavailable' })`, … */
  readonly faults: FaultSwitch;
  stop(): Promise<void>;
}

export async function startEsdbDouble(options: EsdbDoubleOptions = {}): Promise<EsdbDouble> {
  const log = new MemoryLog({ idCacheSize: options.idCacheSize });
  const leader = options.follower;
  // A follower forwards writes to the leader (the server does, unless the call requires the leader).
  const writeLog = (): MemoryLog => leader?.log ?? log;
  const registry = new SubscriptionRegistry();
  const faults = new FaultSwitch(() => leader?.endpoint);
  const server = new grpc.Server();

  server.addService(ServerFeaturesService, {
    getSupportedMethods: supportedMethodsHandler(options.serverFeatures ?? 'unknown'),
  });
  server.addService(StreamsService, {
    read: guardStream(faults, readHandler(log, registry)),
    append: guardWithCallback(
      faults,
      appendHandler(writeLog, options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE),
    ),
    delete: guardWithCallback(faults, deleteHandler(writeLog)),
    tombstone: guardWithCallback(faults, tombstoneHandler(writeLog)),
    batchAppend: (call: grpc.ServerDuplexStream<unknown, unknown>) =>
      call.emit(
        'error',
        rpcError(grpc.status.UNIMPLEMENTED, 'BatchAppend: not implemented by the test double'),
      ),
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  if (options.systemEvents) {
    seedSystemEvents(log);
    const every = options.systemEvents.statsEvery;
    if (every) collectStats(log, every, `$stats-127.0.0.1:${port}`);
  }

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    endpoint: { host: '127.0.0.1', port },
    faults,
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
