/**
 * ServerFeatures.GetSupportedMethods of the double. TEST CODE ONLY.
 *
 * 'unknown': UNIMPLEMENTED, as a pre-21.10 server answers; the client (src/Client/ServerFeatures.ts in
 * 6.2.1) then assumes no optional feature and its `appendToStream` uses the unary Append.
 * '24.10': the methods a 24.10 server lists, BatchAppend included — what production sees. The double
 * does not implement BatchAppend (it answers UNIMPLEMENTED): the ledger's adapter never calls it (see
 * EsdbEventStore.appendOnce), and with this setting any code that goes through the client's
 * `appendToStream` fails loudly instead of silently taking a path production would not take.
 */
import * as grpc from '@grpc/grpc-js';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import { rpcError } from './faults';

export type ServerFeatures = 'unknown' | '24.10';

const STREAMS_METHODS = ['read', 'append', 'delete', 'tombstone', 'batchappend'];

export function supportedMethodsHandler(features: ServerFeatures) {
  return (_call: unknown, callback: grpc.sendUnaryData<SupportedMethods>): void => {
    if (features === 'unknown') {
      return callback(rpcError(grpc.status.UNIMPLEMENTED, 'not implemented by the test double'));
    }
    const methods = STREAMS_METHODS.map((name) =>
      new SupportedMethod().setServiceName('event_store.client.streams.streams').setMethodName(name),
    );
    callback(null, new SupportedMethods().setEventStoreServerVersion('24.10.0').setMethodsList(methods));
  };
}
