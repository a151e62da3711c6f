import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import {
  AppendTooLargeError,
  StoreUnavailableError,
  StreamDeletedError,
  TooManyConflictsError,
} from '@ledger/event-store';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { RetryLaterException } from './retry-later';
import { STORAGE_RETRY_AFTER_S, storageFaultCode } from './storage-faults';

/** Seconds a client should wait before retrying a command that lost to concurrent writers. */
const CONTENTION_RETRY_AFTER_S = 1;
/**
 * What Nest's own handler would log at `error` and answer 500, unless it is one of:
 * - a client error raised before Nest sees the request (Fastify's 413/415, the JSON parser's 400):
 *   answered with its status and message, logged at `debug` (any client could fill the error log);
 * - TooManyConflictsError (other writers won every one of the bounded attempts on one account):
 *   nothing was appended, so 503 with Retry-After, and the client retries with the same key.
 * - StoreUnavailableError (EventStoreDB down, no leader, deadline passed, server fault) and SQLite's
 *   full / I/O / busy errors: 503 with Retry-After, never a 500. Nothing acknowledged is lost; a
 *   retry with the same key either records the command or replays what did land.
 * - StreamDeletedError (an operator deleted the account's stream in the store): 410, nothing recorded.
 * - AppendTooLargeError (one decision is larger than the store takes in one append; decisions are
 *   atomic, so it is refused whole, never split): 422, nothing recorded.
 * HttpExceptions and real faults go to Nest's handler unchanged.
 */
@Catch()
export class LedgerErrorFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('HTTP');

  override catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof HttpException) {
      if (exception instanceof RetryLaterException)
        void reply.header('Retry-After', String(exception.retryAfterSeconds));
      return super.catch(exception, host);
    }
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
    const store = storeFailure(exception);
    if (store) {
      if (store.status === HttpStatus.SERVICE_UNAVAILABLE) this.logger.error(store.log);
      else this.logger.warn(store.log);
      const answer = reply.code(store.status);
      if (store.retryAfter !== undefined) answer.header('Retry-After', String(store.retryAfter));
      void answer.send({
        statusCode: store.status,
        error: STATUS_CODES[store.status],
        message: store.message,
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

interface StoreFailure {
  readonly status: number;
  readonly message: string;
  readonly log: string;
  readonly retryAfter?: number;
}

/** What the client is told when the event store, not the request, is the problem. */
function storeFailure(exception: unknown): StoreFailure | undefined {
  const retry = 'nothing was recorded that a retry with the same key would not replay; retry later';
  if (exception instanceof StoreUnavailableError) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      retryAfter: exception.retryAfterSeconds,
      message: `the event store is unavailable (${exception.reason}): ${retry}`,
      log: exception.message,
    };
  }
  const code = storageFaultCode(exception);
  if (code) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      retryAfter: STORAGE_RETRY_AFTER_S,
      message: `the event store cannot write (${code}): ${retry}`,
      log: `storage fault ${code}: ${(exception as Error).message}`,
    };
  }
  if (exception instanceof StreamDeletedError) {
    return {
      status: HttpStatus.GONE,
      message: "this account's stream was deleted in the event store: nothing was recorded",
      log: exception.message,
    };
  }
  if (exception instanceof AppendTooLargeError) {
    return {
      status: HttpStatus.UNPROCESSABLE_ENTITY,
      message:
        'the events this command produces exceed what the event store accepts in one atomic append' +
        (exception.maxAppendSize === undefined ? '' : ` (${exception.maxAppendSize} bytes)`) +
        ': nothing was recorded',
      log: exception.message,
    };
  }
  return undefined;
}
