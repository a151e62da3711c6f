import { ConflictException, HttpException, HttpStatus, NotFoundException } from '@nestjs/common';
import { AmbiguousHoldIdError, InvalidQueryError, StreamQuarantinedError } from '@ledger/projections';
import { invalidRequest } from '../http/validation';

/**
 * Runs a read-model query and maps its outcomes to HTTP in one place: a bad parameter is a 400
 * naming the field, an unknown account a 404, an account whose stream is quarantined in the read
 * model a 503 (with Retry-After, see min-position.hook.ts) naming projection, stream, position, reason;
 * a hold id held by several accounts a 409 naming them.
 */
export function answerQuery<T>(notFound: string, query: () => T | null): T {
  let result: T | null;
  try {
    result = query();
  } catch (error) {
    throw httpErrorOf(error);
  }
  return found(notFound, result);
}

/** answerQuery for queries that read the log as well as the read models. */
export async function answerAsyncQuery<T>(notFound: string, query: () => Promise<T | null>): Promise<T> {
  let result: T | null;
  try {
    result = await query();
  } catch (error) {
    throw httpErrorOf(error);
  }
  return found(notFound, result);
}

function httpErrorOf(error: unknown): unknown {
  if (error instanceof InvalidQueryError)
    return invalidRequest([{ field: error.field, message: error.message }]);
  if (error instanceof StreamQuarantinedError) return quarantinedAnswer(error);
  // A hold id names holds of several accounts: say which, never pick one.
  if (error instanceof AmbiguousHoldIdError)
    return new ConflictException({ message: error.message, accountIds: error.accountIds });
  return error;
}

/** The account's rows in this read model stop before an event it cannot apply: never served as current. */
function quarantinedAnswer(error: StreamQuarantinedError): HttpException {
  const q = error.quarantine;
  return new HttpException(
    {
      statusCode: HttpStatus.SERVICE_UNAVAILABLE,
      error: 'Service Unavailable',
      message: error.message,
      quarantine: {
        projection: q.projection,
        stream: q.stream,
        position: q.position.toString(),
        eventId: q.eventId,
        reason: q.reason,
        since: new Date(q.since).toISOString(),
        heldBack: q.heldBack,
        nextRetryAt: new Date(q.retryAt).toISOString(),
      },
    },
    HttpStatus.SERVICE_UNAVAILABLE,
  );
}

function found<T>(notFound: string, result: T | null): T {
  if (result === null) throw new NotFoundException(notFound);
  return result;
}
