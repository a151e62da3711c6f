import {
  Injectable,
  ServiceUnavailableException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { InvalidQueryError, LedgerReadSide, parseMinPosition } from '@ledger/projections';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { invalidRequest } from '../http/validation';

/** API.md: a GET with ?minPosition= waits this long at most for the read models, then answers 503. */
export const MIN_POSITION_WAIT_MS = 5_000;

/**
 * Read-your-writes on every GET: `?minPosition=<position returned by a command>` holds the request
 * until the read models have applied that position. The runner wakes waiters after each commit;
 * no polling. The parameter is removed before validation, so no query DTO has to declare it.
 */
@Injectable()
export class MinPositionInterceptor implements NestInterceptor {
  constructor(private readonly readSide: LedgerReadSide) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const query = request.query as Record<string, unknown> | undefined;
    if (request.method !== 'GET' || query === undefined || !('minPosition' in query)) return next.handle();
    const raw = query.minPosition;
    delete query.minPosition;
    let position: bigint | undefined;
    try {
      position = parseMinPosition(typeof raw === 'string' ? raw : '?');
    } catch (error) {
      if (error instanceof InvalidQueryError)
        throw invalidRequest([{ field: error.field, message: error.message }]);
      throw error;
    }
    if (position !== undefined && !(await this.readSide.waitForPosition(position, MIN_POSITION_WAIT_MS))) {
      context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', '1');
      throw new ServiceUnavailableException({
        statusCode: 503,
        error: 'Service Unavailable',
        message: `read models have not reached position ${position} within ${MIN_POSITION_WAIT_MS} ms (at ${this.readSide.position()})`,
      });
    }
    return next.handle();
  }
}
