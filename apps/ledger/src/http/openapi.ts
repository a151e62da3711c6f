import { applyDecorators, type INestApplication } from '@nestjs/common';
import { ApiResponse, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type {
  ParameterObject,
  ReferenceObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { MAX_POSITION } from './positions';

export type Schema = SchemaObject;

/** Small builders, so a response schema reads like the JSON it describes. */
export const schema = {
  string: (description?: string, example?: string): Schema => ({ type: 'string', description, example }),
  integer: (description?: string, example?: number): Schema => ({ type: 'integer', description, example }),
  boolean: (description?: string): Schema => ({ type: 'boolean', description }),
  time: (description?: string): Schema => ({
    type: 'string',
    format: 'date-time',
    description,
    example: '2026-11-24T12:00:00.000Z',
  }),
  credits: (description?: string): Schema => ({
    type: 'string',
    description: description ?? 'credits, a decimal string',
    example: '12.5',
  }),
  position: (
    description = 'the log position of the command: pass it as ?minPosition= to read your write',
  ): Schema => ({
    type: 'string',
    pattern: '^\\d{1,19}$',
    description,
    example: '42',
  }),
  nullable: (inner: Schema): Schema => ({ ...inner, nullable: true }),
  enum: (values: readonly string[], description?: string): Schema => ({
    type: 'string',
    enum: [...values],
    description,
  }),
  array: (items: Schema): Schema => ({ type: 'array', items }),
  object: (properties: Record<string, Schema>, optional: readonly string[] = []): Schema => ({
    type: 'object',
    properties,
    required: Object.keys(properties).filter((name) => !optional.includes(name)),
  }),
  map: (values: Schema, description?: string): Schema => ({
    type: 'object',
    additionalProperties: values,
    description,
  }),
  any: (description?: string): Schema => ({ type: 'object', description }),
};

/** The body of every error answer (error-filter.ts, validation.ts). */
const ERROR_BODY = schema.object(
  {
    statusCode: schema.integer('the HTTP status', 400),
    error: schema.string('the status text', 'Bad Request'),
    message: schema.string('what is wrong, in sentences', 'plan is required'),
    fields: schema.array(
      schema.object({
        field: schema.string('path of the field', 'plan'),
        message: schema.string('', 'plan is required'),
      }),
    ),
  },
  ['fields'],
);

const ERROR_MEANINGS = {
  400: 'Invalid request: `fields` names each bad field with the rule it breaks (unknown fields too); nothing is appended',
  401: 'No API key, or an unknown one (Authorization: Bearer <key>)',
  403: 'The key’s role may not call this route',
  404: 'Unknown account (or purchase, hold, usage)',
  409: 'The same id with a different payload, an account open on another plan, a hold no longer held (the message names its state), a usage already reversed, or an id that names several accounts',
  415: 'The body is not application/json',
  503: 'The event store or the read models cannot answer now (minPosition not reached in time, store unavailable): retry after Retry-After; nothing half-done',
} as const;

export type ErrorStatus = keyof typeof ERROR_MEANINGS;

/** Error answers of a route, each with the shared error body. */
export function ApiErrors(...statuses: ErrorStatus[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: ERROR_MEANINGS[status],
        schema: ERROR_BODY,
      }),
    ),
  );
}

/** The 2xx answer of a route with its schema. */
export function ApiAnswer(status: number, description: string, body: Schema) {
  return ApiResponse({ status, description, schema: body });
}

/** A command's first answer (`status`, 201 by default) and its idempotent repeat (200, the same body). */
export function ApiAnsweredOrReplayed(description: string, body: Schema, status = 201) {
  return applyDecorators(
    ApiAnswer(status, description, body),
    ApiAnswer(200, 'An idempotent repeat (header Idempotent-Replayed: true): the first answer again', body),
  );
}

const MIN_POSITION: ParameterObject = {
  name: 'minPosition',
  in: 'query',
  required: false,
  description:
    'Answer only once the read models have applied this log position (the `position` a command returned): read your own writes. Waits at most 5 s, then 503.',
  schema: { type: 'string', pattern: '^\\d{1,19}$', example: '42', maxLength: String(MAX_POSITION).length },
};

/** The OpenAPI document served at /docs (UI) and /docs/json. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Credits Ledger')
      .setDescription(
        'Usage allowance, credits and their audit trail. Contract: shared/API.md. ' +
          'This document as JSON: [/docs/json](/docs/json). ' +
          'Errors answer `{ statusCode, error, message, fields? }`; times are ISO-8601 instants with a zone ' +
          'within 1970-01-01T00:00:00Z..9999-12-31T23:59:59.999Z.',
      )
      .setVersion('1')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        description: 'API key of a role: service, admin, finance or support (not a JWT)',
      })
      .addSecurityRequirements('bearer')
      .build(),
  );
  // addBearerAuth fills in `bearerFormat: JWT`; the keys are opaque strings.
  const bearer = document.components?.securitySchemes?.bearer as { bearerFormat?: string } | undefined;
  if (bearer) delete bearer.bearerFormat;
  // minPosition is read by one hook for every GET (min-position.hook.ts), so it is documented here once.
  for (const item of Object.values(document.paths)) {
    const get = item.get;
    if (get === undefined) continue;
    const parameters: (ParameterObject | ReferenceObject)[] = get.parameters ?? [];
    if (!parameters.some((p) => 'name' in p && p.name === 'minPosition')) parameters.push(MIN_POSITION);
    get.parameters = parameters;
  }
  return document;
}
