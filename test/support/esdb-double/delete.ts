/**
 * Streams.Delete and Streams.Tombstone (unary) of the double, after
 * src/EventStore.Core/Services/Transport/Grpc/Streams.Delete.cs and Streams.Tombstone.cs
 * (EventStore/EventStore v24.10): the expected revision is checked like an append's (a mismatch is
 * RpcExceptions.WrongExpectedVersion, trailers `expected-version` / `actual-version`), a stream already
 * tombstoned answers RpcExceptions.StreamDeleted, and the reply carries the position of the record the
 * delete wrote. TEST CODE ONLY.
 */
import * as grpc from '@grpc/grpc-js';
import {
  DeleteReq,
  DeleteResp,
  TombstoneReq,
  TombstoneResp,
} from '@eventstore/db-client/generated/streams_pb';
import { expectedOf } from './append';
import { rpcError } from './faults';
import type { Expected, MemoryLog } from './memory-log';
import { streamNameOf } from './wire';

/** The wire's expected version numbers (-1 no stream, -2 any, -4 stream exists). */
const wireExpected = (e: Expected): string =>
  e.kind === 'revision'
    ? e.revision.toString()
    : e.kind === 'no_stream'
      ? '-1'
      : e.kind === 'any'
        ? '-2'
        : '-4';

export function deleteHandler(log: () => MemoryLog) {
  return removeHandler(log, false, (p) =>
    p === undefined
      ? new DeleteResp().setNoPosition()
      : new DeleteResp().setPosition(
          new DeleteResp.Position().setCommitPosition(p.toString()).setPreparePosition(p.toString()),
        ),
  );
}

export function tombstoneHandler(log: () => MemoryLog) {
  return removeHandler(log, true, (p) =>
    p === undefined
      ? new TombstoneResp().setNoPosition()
      : new TombstoneResp().setPosition(
          new TombstoneResp.Position().setCommitPosition(p.toString()).setPreparePosition(p.toString()),
        ),
  );
}

function removeHandler<Req extends DeleteReq | TombstoneReq, Resp>(
  log: () => MemoryLog,
  hard: boolean,
  reply: (position: bigint | undefined) => Resp,
) {
  return (call: grpc.ServerUnaryCall<Req, Resp>, callback: grpc.sendUnaryData<Resp>): void => {
    const options = call.request.getOptions();
    if (!options) return callback(rpcError(grpc.status.INVALID_ARGUMENT, 'missing options'));
    const name = streamNameOf(options.getStreamIdentifier());
    const expected = expectedOf(options);
    const outcome = log().delete(name, expected, hard);
    switch (outcome.kind) {
      case 'deleted':
        return callback(null, reply(outcome.position));
      case 'stream_deleted':
        return callback(
          rpcError(grpc.status.FAILED_PRECONDITION, `Event stream '${name}' is deleted.`, {
            exception: 'stream-deleted',
            'stream-name': name,
          }),
        );
      case 'wrong_expected_version':
        return callback(
          rpcError(
            grpc.status.FAILED_PRECONDITION,
            `${hard ? 'Tombstone' : 'Delete'} failed due to WrongExpectedVersion. Stream: ${name}`,
            {
              exception: 'wrong-expected-version',
              'stream-name': name,
              'expected-version': wireExpected(expected),
              'actual-version': outcome.current === 'no_stream' ? '' : outcome.current.toString(),
            },
          ),
        );
    }
  };
}
