import type { FastifyInstance } from 'fastify';
import { FORBIDDEN_FIELD_NAMES } from './forbidden-fields';

/** No request of API.md nests deeper than 4; 32 leaves room and stops stack-deep bodies early. */
export const MAX_JSON_DEPTH = 32;

/**
 * Nesting depth of a JSON text, counting only brackets outside strings. JSON.parse copes with deep
 * bodies, but the validation that follows (class-transformer) recurses and overflows the stack:
 * a 4 KB body of nested arrays was a 500. Refusing it before parsing makes it a clear 400.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) max = Math.max(max, ++depth);
    else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return max;
}

/**
 * The first forbidden key at any depth of a parsed body. It walks the parsed value, never the text:
 * JSON escapes (`"\u005f_proto__"`, `"\u0074oString"`) spell the same key, and a test on the text
 * let them through. Depth is already bounded (MAX_JSON_DEPTH), so the recursion is too.
 */
export function forbiddenKeyIn(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  // JSON.parse makes every key, `__proto__` included, an own enumerable property.
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_FIELD_NAMES.has(key)) return key;
    const inner = forbiddenKeyIn((value as Record<string, unknown>)[key]);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

class BodyError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/**
 * A body in another media type than JSON, kept unread. Fastify would answer 415 while parsing, before
 * the API-key guard runs, so a caller without a key learnt about media types first; the validation
 * pipe refuses this body once the guard has passed (401/403 before 415).
 */
export class UnsupportedBody {
  constructor(readonly contentType: string | undefined) {}

  get message(): string {
    const got = this.contentType === undefined ? 'no Content-Type' : `Content-Type ${this.contentType}`;
    return `the body must be JSON sent with Content-Type: application/json (got ${got})`;
  }
}

/**
 * Replaces Fastify's JSON parser with one that refuses over-deep bodies (400) before parsing them, and
 * turns any other media type into an UnsupportedBody (answered 415 after authentication).
 */
export function installJsonBodyParser(fastify: FastifyInstance): void {
  // Fastify parses text/plain by itself: only JSON is a body here.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (request, _body, done) => {
    done(null, new UnsupportedBody(request.headers['content-type']));
  });
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      done(new BodyError(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, 400), undefined);
      return;
    }
    try {
      const body: unknown = text.length === 0 ? undefined : JSON.parse(text);
      const forbidden = forbiddenKeyIn(body);
      if (forbidden !== undefined) {
        done(
          new BodyError(`the JSON body has a field named "${forbidden}", which no request accepts`, 400),
          undefined,
        );
        return;
      }
      done(null, body);
    } catch (error) {
      done(new BodyError(`the body is not valid JSON: ${(error as Error).message}`, 400), undefined);
    }
  });
}
