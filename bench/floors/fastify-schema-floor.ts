import Fastify from 'fastify';

/** The POST /v1/usage body as a JSON schema (the DTO's rules: ids, names, a positive integer). */
const usageBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['usageId', 'accountId', 'product', 'operation', 'quantity'],
  properties: {
    usageId: { type: 'string', minLength: 1, maxLength: 128 },
    accountId: { type: 'string', minLength: 1, maxLength: 128 },
    product: { type: 'string', minLength: 1, maxLength: 64 },
    operation: { type: 'string', minLength: 1, maxLength: 64 },
    quantity: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
    surface: { type: 'string', maxLength: 64 },
    occurredAt: { type: 'string', maxLength: 64 },
  },
} as const;

const recordedSchema = {
  type: 'object',
  properties: { usageId: { type: 'string' }, accountId: { type: 'string' }, status: { type: 'string' } },
} as const;

/**
 * Floor (b): Fastify (the version Nest runs on here) with a compiled JSON schema for the same body
 * and a compiled response serializer — validation as Fastify does it, no Nest, no command.
 */
export async function startFastifySchemaFloor(port: number, host: string): Promise<void> {
  const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024 });
  app.get('/health', () => ({ status: 'ok' }));
  app.post<{ Body: { usageId: string; accountId: string } }>(
    '/v1/usage',
    { schema: { body: usageBodySchema, response: { 201: recordedSchema } } },
    async (request, reply) => {
      reply.code(201);
      return { usageId: request.body.usageId, accountId: request.body.accountId, status: 'recorded' };
    },
  );
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  await app.listen({ port, host });
}
