/**
 * Protobuf conversions of the double, using the client package's OWN generated messages so the double
 * speaks exactly the wire format @eventstore/db-client 6.2.1 was built against. TEST CODE ONLY.
 */
import { Empty, StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb';
import { ReadResp } from '@eventstore/db-client/generated/streams_pb';
import type { StoredEvent } from './memory-log';

export function streamNameOf(identifier: StreamIdentifier | undefined): string {
  if (!identifier) throw new Error('missing stream identifier');
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

export function identifier(streamName: string): StreamIdentifier {
  return new StreamIdentifier().setStreamName(Uint8Array.from(Buffer.from(streamName, 'utf8')));
}

/** The client sends event ids as strings (utils/grpcUUID.createUUID); structured ids are decoded too. */
export function uuidOf(uuid: UUID | undefined): string {
  if (!uuid) throw new Error('missing event id');
  if (uuid.hasString()) return uuid.getString().toLowerCase();
  const structured = uuid.getStructured();
  if (!structured) throw new Error('empty uuid');
  const hex = (v: string): string => BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, '0');
  const h = hex(structured.getMostSignificantBits()) + hex(structured.getLeastSignificantBits());
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Streams.Read's ConvertToRecordedEvent (src/EventStore.Core/Services/Transport/Grpc/Streams.Read.cs):
 * metadata keys `type`, `created` (ticks since the Unix epoch) and `content-type`; both positions.
 * The id is sent as a string: the only UUID option @eventstore/db-client 6.2.1 ever asks for.
 */
export function eventResponse(event: StoredEvent): ReadResp {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new UUID().setString(event.id))
    .setStreamIdentifier(identifier(event.stream))
    .setStreamRevision(event.revision.toString())
    .setCommitPosition(event.position.toString())
    .setPreparePosition(event.position.toString())
    .setData(event.data)
    .setCustomMetadata(event.customMetadata);
  recorded
    .getMetadataMap()
    .set('type', event.type)
    .set('created', event.createdTicks.toString())
    .set('content-type', event.contentType);
  const read = new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(event.position.toString());
  return new ReadResp().setEvent(read);
}

export function checkpointResponse(commit: bigint, prepare: bigint): ReadResp {
  return new ReadResp().setCheckpoint(
    new ReadResp.Checkpoint().setCommitPosition(commit.toString()).setPreparePosition(prepare.toString()),
  );
}

export function confirmationResponse(id: string): ReadResp {
  return new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(id));
}

export function caughtUpResponse(): ReadResp {
  return new ReadResp().setCaughtUp(new ReadResp.CaughtUp());
}

export function streamNotFoundResponse(streamName: string): ReadResp {
  return new ReadResp().setStreamNotFound(
    new ReadResp.StreamNotFound().setStreamIdentifier(identifier(streamName)),
  );
}

export const empty = (): Empty => new Empty();
