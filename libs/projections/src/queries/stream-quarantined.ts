import { accountStreamName } from '@ledger/domain';
import { storedQuarantines, type StreamQuarantine } from '../read-store/quarantine-table';
import type { ReadModelDatabase } from '../read-store/read-model-database';

/**
 * The account's stream is quarantined in the read model the query reads (SPEC §10): its rows stop
 * at the last state the projection could build, so the answer would not be current. The HTTP layer
 * answers 503 with Retry-After naming the projection, the stream, the position and the reason.
 */
export class StreamQuarantinedError extends Error {
  constructor(readonly quarantine: StreamQuarantine) {
    super(
      `read model "${quarantine.projection}" cannot apply the event at position ${quarantine.position} of stream "${quarantine.stream}" (${quarantine.reason}): this account's ${quarantine.projection} is held at the last state it could build`,
    );
    this.name = 'StreamQuarantinedError';
  }
}

/** Throws StreamQuarantinedError when the account's stream is quarantined in `projection`. */
export function assertAccountReadable(db: ReadModelDatabase, projection: string, accountId: string): void {
  const [quarantine] = storedQuarantines(db, { projection, stream: accountStreamName(accountId) });
  if (quarantine !== undefined) throw new StreamQuarantinedError(quarantine);
}
