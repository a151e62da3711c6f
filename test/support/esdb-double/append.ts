/**
 * Streams.Append (client-streaming) of the double, after
 * src/EventStore.Core/Services/Transport/Grpc/Streams.Append.cs (EventStore/EventStore v24.10):
 * the first message carries the options (stream, expected revision), every following one a proposed
 * event; `type` and `content-type` metadata are required. TEST CODE ONLY.
 */
import * as grpc from '@grpc/grpc-js';
import { AppendReq, AppendResp } from '@eventstore/db-client/generated/streams_pb';
import type { Expected, MemoryLog, ProposedEvent } from './memory-log';
import { empty, streamNameOf, uuidOf } from './wire';

type AppendCall = grpc.ServerReadableStream<AppendReq, AppendResp>;
type AppendCallback = grpc.sendUnaryData<AppendResp>;

export function appendHandler(log: MemoryLog) {
  return (call: AppendCall, callback: AppendCallback): void => {
    let options: AppendReq.Options | undefined;
    const proposed: ProposedEvent[] = [];
    let failed = false;
    const fail = (code: grpc.status, details: string): void => {
      if (failed) return;
      failed = true;
      callback({ code, details });
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
      const outcome = log.append(streamName, expectedOf(options), proposed);
      callback(null, toResponse(outcome, options));
    });
  };
}

function expectedOf(options: AppendReq.Options): Expected {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function toResponse(outcome: ReturnType<MemoryLog['append']>, options: AppendReq.Options): AppendResp {
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
