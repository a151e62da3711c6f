import { InvalidQueryError, LedgerReadSide, parseMinPosition } from '@ledger/projections';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** API.md: a GET with ?minPosition= waits this long at most for the read models, then answers 503. */
export const MIN_POSITION_WAIT_MS = 5_000;

/**
 * A read answered 503 without its own Retry-After (an account quarantined in a read model, a
 * degraded /health): the read side retries quarantined streams on a backoff, or an operator rebuilds.
 */
export const READ_RETRY_AFTER_S = 30;

/**
 * Read-your-writes on every GET: `?minPosition=<position returned by a command>` holds the request
 * until the read models have applied that position (the runner wakes waiters after each commit; no
 * polling), or answers 503 with Retry-After. The parameter is removed before validation, so no query
 * DTO has to declare it. A Fastify hook rather than a Nest interceptor: a global interceptor costs
 * every request (commands included) an AsyncResource.bind, measured at ~7% of a request's CPU.
 */
export function installMinPosition(
  fastify: FastifyInstance,
  readSide: LedgerReadSide,
  carriesKey: (request: FastifyRequest) => boolean,
): void {
  // Nest's exceptions carry no headers: every 503 to a GET says when to ask again (SPEC §10).
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (reply.statusCode === 503 && request.method === 'GET' && !reply.hasHeader('retry-after'))
      void reply.header('Retry-After', String(READ_RETRY_AFTER_S));
    done(null, payload);
  });
  // A callback hook: a request without ?minPosition= (every command) passes without a promise.
  fastify.addHook('preHandler', (request, reply, done) => {
    const query = request.query as Record<string, unknown> | undefined;
    if (request.method !== 'GET' || query === undefined || !('minPosition' in query)) {
      done();
      return;
    }
    // An anonymous caller is answered 401 (or, on a public route, at once): it never holds a request
    // for the read models' bounded wait, which would be a cheap way to tie the server up.
    if (!carriesKey(request)) {
      delete query.minPosition;
      done();
      return;
    }
    const raw = query.minPosition;
    delete query.minPosition;
    let position: bigint | undefined;
    try {
      position = parseMinPosition(typeof raw === 'string' ? raw : '?');
    } catch (error) {
      if (!(error instanceof InvalidQueryError)) {
        done(error as Error);
        return;
      }
      const fields = [{ field: error.field, message: error.message }];
      void reply
        .code(400)
        .send({ statusCode: 400, error: 'Bad Request', message: `invalid request: ${error.field}`, fields });
      return;
    }
    if (position === undefined) {
      done();
      return;
    }
    const wanted = position;
    readSide.waitForPosition(wanted, MIN_POSITION_WAIT_MS).then((reached) => {
      if (reached) {
        done();
        return;
      }
      void reply
        .code(503)
        .header('Retry-After', '1')
        .send({
          statusCode: 503,
          error: 'Service Unavailable',
          message: `read models have not reached position ${wanted} within ${MIN_POSITION_WAIT_MS} ms (at ${readSide.position()})`,
        });
    }, done);
  });
}
