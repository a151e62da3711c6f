import { ValidateBy, type ValidationOptions } from 'class-validator';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Log positions and cursors are unsigned decimal strings up to 2^63 − 1, the largest position either
 * engine hands out (SQLite's INTEGER, EventStoreDB's commit position as a signed long on the wire).
 * A 19-digit value above it used to reach the store and answer 500 (SPEC §10: out of range is a 400).
 */
export const MAX_POSITION = 2n ** 63n - 1n;

const DIGITS = /^\d{1,19}$/;

export function isPositionText(value: unknown): value is string {
  return typeof value === 'string' && DIGITS.test(value) && BigInt(value) <= MAX_POSITION;
}

export function IsPosition(message: string, validation: ValidationOptions = {}): PropertyDecorator {
  return ValidateBy(
    { name: 'isPosition', validator: { validate: isPositionText, defaultMessage: () => message } },
    validation,
  );
}

/**
 * `?minPosition=` on every GET, checked before the read-your-writes wait (which would otherwise wait
 * its full bound for a position no log can reach, then answer 503): 400 naming it when out of range.
 */
export function installPositionBounds(
  fastify: FastifyInstance,
  carriesKey: (request: FastifyRequest) => boolean,
): void {
  // A callback hook, not an async one: no promise and microtask for each request that passes.
  fastify.addHook('preValidation', (request, reply, done) => {
    if (!outOfRange(request, carriesKey)) {
      done();
      return;
    }
    const message = `minPosition must be a position returned by a command (an integer from 0 to ${MAX_POSITION})`;
    void reply.code(400).send({
      statusCode: 400,
      error: 'Bad Request',
      message,
      fields: [{ field: 'minPosition', message }],
    });
  });
}

function outOfRange(request: FastifyRequest, carriesKey: (request: FastifyRequest) => boolean): boolean {
  if (request.method !== 'GET') return false;
  const query = request.query as Record<string, unknown> | undefined;
  if (query === undefined || query === null || !Object.hasOwn(query, 'minPosition')) return false;
  // Without a valid key the guard answers 401 first: nothing about the query is said before it.
  return carriesKey(request) && !isPositionText(query.minPosition);
}
