import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { TooManyConflictsError } from '@ledger/event-store';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';

/** Seconds a client should wait before retrying a command that lost to concurrent writers. */
const CONTENTION_RETRY_AFTER_S = 1;

/**
 * What Nest's own handler would log at `error` and answer 500, unless it is one of:
 * - a client error raised before Nest sees the request (Fastify's 413/415, the JSON parser's 400):
 *   answered with its status and message, logged at `debug` (any client could fill the error log);
 * - TooManyConflictsError (other writers won every one of the bounded attempts on one account):
 *   nothing was appended, so 503 with Retry-After, and the client retries with the same key.
 * HttpExceptions and real faults go to Nest's handler unchanged.
 */
@Catch()
export class LedgerErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('HTTP');

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof HttpException) return super.catch(exception, host);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof TooManyConflictsError) {
      this.logger.warn(exception.message);
      void reply
        .code(HttpStatus.SERVICE_UNAVAILABLE)
        .header('Retry-After', String(CONTENTION_RETRY_AFTER_S))
        .send({
          statusCode: HttpStatus.SERVICE_UNAVAILABLE,
          error: 'Service Unavailable',
          message:
            'too many concurrent writes to this account: nothing was recorded, retry with the same key',
        });
      return;
    }
    const status = clientErrorStatus(exception);
    if (status === undefined) return super.catch(exception, host);
    const message = (exception as Error).message;
    this.logger.debug(`${status}: ${message}`);
    void reply
      .code(status)
      .send({ statusCode: status, error: STATUS_CODES[status] ?? 'Client Error', message });
  }
}

function clientErrorStatus(exception: unknown): number | undefined {
  if (!(exception instanceof Error)) return undefined;
  const status = (exception as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}
