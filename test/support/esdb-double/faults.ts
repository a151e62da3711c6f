/**
 * Faults and leadership of the EventStoreDB double, injected in front of every Streams call so the
 * adapter meets what a real cluster does to it: a node that is down or restarting (UNAVAILABLE), one
 * that does not answer before the deadline (delay), a server-side fault (UNKNOWN / INTERNAL), and a
 * follower (NotLeader for calls carrying `requires-leader: true`, with the leader's endpoint in the
 * trailers: RpcExceptions.LeaderInfo, src/EventStore.Core/Services/Transport/Grpc/RpcExceptions.cs,
 * EventStore/EventStore v24.10). TEST CODE ONLY.
 */
import * as grpc from '@grpc/grpc-js';

export type Fault =
  | { readonly kind: 'unavailable' | 'unknown' | 'internal' }
  /** Holds each call this long, then serves it (an append then lands after the client gave up). */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Answers NotLeader naming this endpoint as the leader. */
  | { readonly kind: 'not-leader'; readonly leader: Endpoint };

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** A gRPC error as grpc-js sends it: status, details, and trailers the client reads. */
export function rpcError(code: grpc.status, details: string, trailers: Record<string, string> = {}) {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return Object.assign(new Error(details), { code, details, metadata });
}

export function notLeader(leader: Endpoint) {
  return rpcError(grpc.status.NOT_FOUND, 'Leader info available', {
    exception: 'not-leader',
    'leader-endpoint-host': leader.host,
    'leader-endpoint-port': String(leader.port),
  });
}

const faultError = (fault: Fault) => {
  switch (fault.kind) {
    case 'unavailable':
      return rpcError(grpc.status.UNAVAILABLE, 'Server Is Not Ready');
    case 'unknown':
      return rpcError(grpc.status.UNKNOWN, 'Exception was thrown by handler.');
    case 'internal':
      return rpcError(grpc.status.INTERNAL, 'internal error');
    case 'not-leader':
      return notLeader(fault.leader);
    case 'delay':
      return undefined;
  }
};

/** The switch tests flip, and what it does to one call. */
export class FaultSwitch {
  private fault: Fault | undefined;
  private remaining = Number.POSITIVE_INFINITY;
  /** Calls answered with a fault since start. */
  injected = 0;

  constructor(private readonly leader: () => Endpoint | undefined) {}

  /** Every following call (or the next `times` ones) meets `fault`; undefined heals. */
  set(fault: Fault | undefined, times = Number.POSITIVE_INFINITY): void {
    this.fault = fault;
    this.remaining = times;
  }

  /** The error to answer this call with, or a delay before serving it, or nothing. */
  check(metadata: grpc.Metadata): { error?: ReturnType<typeof rpcError>; delayMs?: number } {
    const leader = this.leader();
    if (leader && metadata.get('requires-leader')[0] === 'true') return { error: notLeader(leader) };
    const fault = this.fault;
    if (!fault || this.remaining <= 0) return {};
    if (--this.remaining <= 0) this.fault = undefined;
    this.injected++;
    if (fault.kind === 'delay') return { delayMs: fault.ms };
    return { error: faultError(fault) };
  }
}

type CallWithMetadata = { metadata: grpc.Metadata };

/** Unary and client-streaming handlers: the fault is the call's status. */
export function guardWithCallback<C extends CallWithMetadata, R>(
  faults: FaultSwitch,
  handler: (call: C, callback: grpc.sendUnaryData<R>) => void,
): (call: C, callback: grpc.sendUnaryData<R>) => void {
  return (call, callback) => {
    const { error, delayMs } = faults.check(call.metadata);
    if (error) return callback(error);
    if (delayMs) return void setTimeout(() => handler(call, callback), delayMs);
    handler(call, callback);
  };
}

/** Server-streaming and duplex handlers: grpc-js turns an emitted 'error' into the final status. */
export function guardStream<C extends CallWithMetadata & { emit(event: 'error', e: unknown): boolean }>(
  faults: FaultSwitch,
  handler: (call: C) => void,
): (call: C) => void {
  return (call) => {
    const { error, delayMs } = faults.check(call.metadata);
    if (error) return void call.emit('error', error);
    if (delayMs) return void setTimeout(() => handler(call), delayMs);
    handler(call);
  };
}
