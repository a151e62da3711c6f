import { StreamName } from '../event-store';

/**
 * An event id is already stored, but not as an exact replay of this append (another stream, another
 * revision, or only part of the append). SQLite keeps ids unique across the whole log; a retry with
 * the same ids at the same place is not this error, it is an idempotent replay.
 */
export class DuplicateEventIdError extends Error {
  constructor(
    readonly stream: StreamName,
    readonly eventId: string,
  ) {
    super(`stream ${stream}: event id ${eventId} is already stored elsewhere in the log`);
    this.name = 'DuplicateEventIdError';
  }
}
