/**
 * Streams.Append (client-streaming) of the double, after
 * src/EventStore.Core/Services/Transport/Grpc/Streams.Append.cs (EventStore/EventStore v24.10):
 * the first message carries the options (stream, expected revision), every following one a proposed
 * event; `type` and `content-type` metadata are required. The total size of the events is bounded by
 * MaxAppendSize (1 MiB by default, `--max-append-size`): each proposed message counts
 * `Event.SizeOnDisk(type, data, metadata)` = data + custom metadata bytes + 2 × the type's length, and
 * the first message past the limit fails the call with RpcExceptions.MaxAppendSizeExceeded
 * (InvalidArgument, trailers `exception: maximum-append-size-exceeded`, `maximum-append-size`).
 * A tombstoned stream refuses appends with RpcExceptions.StreamDeleted. TEST CODE ONLY.
 */
import * as grpc from '@grpc/grpc-js';
import { AppendReq, AppendResp } from '@eventstore/db-client/generated/streams_pb';
import type { Expected, MemoryLog, ProposedEvent } from './memory-log';
import { rpcError } from './faults';
import { empty, streamNameOf, uuidOf } from './wire';

type AppendCall = grpc.ServerReadableStream<AppendReq, AppendResp>;
type AppendCallback = grpc.sendUnaryData<AppendResp>;

/** ClusterVNodeOptions.Database.MaxAppendSize default: 1 MiB. */
export const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;

export function appendHandler(log: () => MemoryLog, maxAppendSize = DEFAULT_MAX_APPEND_SIZE) {
  return (call: AppendCall, callback: AppendCallback): void => {
    let options: AppendReq.Options | undefined;
    const proposed: ProposedEvent[] = [];
    let size = 0;
    let failed = false;
    const fail = (code: grpc.status, details: string, trailers?: Record<string, string>): void => {
      if (failed) return;
      failed = true;
      callback(rpcError(code, details, trailers));
    };
    call.on('data', (req: AppendReq) => {
      if (failed) return;
      if (!options) {
        if (!req.hasOptions()) return fail(grpc.status.INVALID_ARGUMENT, 'first message must carry options');
        options = req.getOptions();
        return;
      }
      const message = req.getProposedMessage();
      if (!message) return fail(grpc.status.INVALID_ARGUMENT, 'expected a proposed message');
      const metadata = message.getMetadataMap();
      const type = metadata.get('type');
      const contentType = metadata.get('content-type');
      // RpcExceptions.RequiredMetadataPropertyMissing: the real server rejects the whole append.
      if (type === undefined) return fail(grpc.status.INVALID_ARGUMENT, 'Required Metadata Property type');
      if (contentType === undefined) {
        return fail(grpc.status.INVALID_ARGUMENT, 'Required Metadata Property content-type');
      }
      size +=
        message.getData_asU8().byteLength + message.getCustomMetadata_asU8().byteLength + type.length * 2;
      if (size > maxAppendSize) {
        return fail(grpc.status.INVALID_ARGUMENT, `Maximum Append Size of ${maxAppendSize} Exceeded.`, {
          exception: 'maximum-append-size-exceeded',
          'maximum-append-size': String(maxAppendSize),
        });
      }
      proposed.push({
        id: uuidOf(message.getId()),
        type,
        contentType,
        data: message.getData_asU8(),
        customMetadata: message.getCustomMetadata_asU8(),
      });
    });
    call.on('error', () => {
      failed = true;
    });
    call.on('end', () => {
      if (failed) return;
      if (!options) return fail(grpc.status.INVALID_ARGUMENT, 'no options received');
      let streamName: string;
      try {
        streamName = streamNameOf(options.getStreamIdentifier());
      } catch (error) {
        return fail(grpc.status.INVALID_ARGUMENT, (error as Error).message);
      }
      const outcome = log().append(streamName, expectedOf(options), proposed);
      if (outcome.kind === 'stream_deleted') {
        return fail(grpc.status.FAILED_PRECONDITION, `Event stream '${streamName}' is deleted.`, {
          exception: 'stream-deleted',
          'stream-name': streamName,
        });
      }
      callback(null, toResponse(outcome, options));
    });
  };
}

export function expectedOf(options: {
  hasRevision(): boolean;
  getRevision(): string;
  hasNoStream(): boolean;
  hasStreamExists(): boolean;
}): Expected {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function toResponse(
  outcome: Exclude<ReturnType<MemoryLog['append']>, { kind: 'stream_deleted' }>,
  options: AppendReq.Options,
): AppendResp {
  if (outcome.kind === 'success') {
    const success = new AppendResp.Success();
    if (outcome.currentRevision < 0n) success.setNoStream(empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    if (outcome.position < 0n) success.setNoPosition(empty());
    else {
      // Streams.Append: Position.FromInt64(CommitPosition, PreparePosition); both are the same value.
      const p = outcome.position.toString();
      success.setPosition(new AppendResp.Position().setCommitPosition(p).setPreparePosition(p));
    }
    return new AppendResp().setSuccess(success);
  }
  // The reply echoes the expected revision the request carried and the stream's actual revision.
  const wrong = new AppendResp.WrongExpectedVersion();
  if (options.hasRevision()) wrong.setExpectedRevision(options.getRevision());
  else if (options.hasNoStream()) wrong.setExpectedNoStream(empty());
  else if (options.hasStreamExists()) wrong.setExpectedStreamExists(empty());
  else wrong.setExpectedAny(empty());
  if (outcome.current === 'no_stream') wrong.setCurrentNoStream(empty());
  else wrong.setCurrentRevision(outcome.current.toString());
  return new AppendResp().setWrongExpectedVersion(wrong);
}
