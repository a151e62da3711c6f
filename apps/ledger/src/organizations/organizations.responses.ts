import { schema, type Schema } from '../http/openapi';

const POSITION = { position: schema.position() };

/** The facts of an organisation event (its data minus bookkeeping) and where it sits in the log. */
const FACTS = (properties: Record<string, Schema>): Schema =>
  schema.object({
    organizationId: schema.string('', 'org-1'),
    recordedAt: schema.time('ledger time of the command'),
    ...properties,
    ...POSITION,
  });

export const ORGANIZATION_OPENED_SCHEMA = FACTS({
  plan: schema.string('plan of the rate card its members get', 'business'),
  name: schema.string('', 'Acme Inc.'),
});

export const MEMBER_SCHEMA: Schema = schema.object({
  organizationId: schema.string('', 'org-1'),
  accountId: schema.string('', 'acct-1'),
  group: schema.nullable(schema.string('', 'engineering')),
  ...POSITION,
});

export const POOL_CREDITS_SCHEMA = FACTS({
  credits: schema.credits(),
  expiresAt: schema.nullable(schema.time()),
  products: schema.nullable(schema.array(schema.string('', 'codex'))),
  priority: schema.integer('burn order, lower first', 100),
});

export const SPEND_LIMIT_SCHEMA: Schema = schema.object({
  organizationId: schema.string('', 'org-1'),
  level: schema.enum(['default', 'group', 'member']),
  key: schema.nullable(schema.string('the group or the member account; null for the default', 'engineering')),
  creditsPerMonth: schema.nullable(schema.credits('credits per calendar month (UTC); null: cleared')),
  ...POSITION,
});

export const CREDIT_REQUEST_SCHEMA: Schema = schema.object({
  requestId: schema.string('', 'cr-1'),
  status: schema.enum(['pending', 'approved', 'declined']),
  ...POSITION,
});
