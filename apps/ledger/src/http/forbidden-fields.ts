import type { FastifyInstance } from 'fastify';

/**
 * Field names no request of API.md has, which the unknown-field whitelist cannot see or which could
 * poison prototypes: refused outright wherever they appear (JSON bodies, query strings).
 * class-transformer skips `__proto__` and `constructor`; class-validator looks fields up in a plain
 * object, so every name that object inherits (`toString`, `valueOf`, `hasOwnProperty`, … — found by
 * the fuzz suite) passed as a known field.
 */
export const FORBIDDEN_FIELD_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

/** Refuses a query string naming a forbidden field (400, the shape of every validation error). */
export function installForbiddenQueryFields(fastify: FastifyInstance): void {
  // A callback hook, not an async one: no promise and microtask for each request that passes.
  fastify.addHook('preValidation', (request, reply, done) => {
    const query = request.query as object | undefined;
    const forbidden =
      query === undefined || query === null
        ? undefined
        : Object.getOwnPropertyNames(query).find((name) => FORBIDDEN_FIELD_NAMES.has(name));
    if (forbidden === undefined) {
      done();
      return;
    }
    const message = `${forbidden} is not a field any request accepts`;
    void reply.code(400).send({
      statusCode: 400,
      error: 'Bad Request',
      message,
      fields: [{ field: forbidden, message }],
    });
  });
}
