import { NotFoundException } from '@nestjs/common';
import { InvalidQueryError } from '@ledger/projections';
import { invalidRequest } from '../http/validation';

/**
 * Runs a read-model query and maps its outcomes to HTTP in one place: a bad parameter is a 400
 * naming the field, an unknown account a 404.
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
  return error;
}

function found<T>(notFound: string, result: T | null): T {
  if (result === null) throw new NotFoundException(notFound);
  return result;
}
