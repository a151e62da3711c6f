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
    if (error instanceof InvalidQueryError)
      throw invalidRequest([{ field: error.field, message: error.message }]);
    throw error;
  }
  if (result === null) throw new NotFoundException(notFound);
  return result;
}
