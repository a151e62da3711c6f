import { HttpStatus, ServiceUnavailableException } from '@nestjs/common';

/**
 * A 503 that says when to ask again (SPEC §10: never a 503 without Retry-After): the error filter
 * sets the header from it. For what is not able to answer now (the read models behind or stopped),
 * never for the request's own fault.
 */
export class RetryLaterException extends ServiceUnavailableException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super({ statusCode: HttpStatus.SERVICE_UNAVAILABLE, error: 'Service Unavailable', message });
  }
}
