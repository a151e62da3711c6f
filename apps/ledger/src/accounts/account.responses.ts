import { schema, type Schema } from '../http/openapi';
import { WINDOW_SCHEMA } from '../usage/usage.responses';

export const ACCOUNT_ANSWER_SCHEMA: Schema = schema.object({
  accountId: schema.string('', 'acct-1'),
  plan: schema.string('', 'plus'),
  recordedAt: schema.nullable(schema.time('null when nothing was appended (the same plan again)')),
  position: schema.position(),
});

export const PLAN_CHANGE_SCHEMA: Schema = schema.object({
  ...(ACCOUNT_ANSWER_SCHEMA.properties as Record<string, Schema>),
  previousPlan: schema.nullable(schema.string('', 'plus')),
});

const GRANT_SCHEMA = schema.object({
  grantId: schema.string('', 'p-1'),
  kind: schema.enum(['purchase', 'promotional']),
  credits: schema.credits('credits granted'),
  remaining: schema.credits('what can still be drawn'),
  held: schema.credits('kept by open holds (not in remaining)'),
  expiresAt: schema.nullable(schema.time()),
  products: schema.nullable(schema.array(schema.string('', 'codex'))),
  priority: schema.integer('burn order, lower first', 100),
  status: schema.enum(['active', 'exhausted', 'expired', 'refunded']),
});

export const ACCOUNT_VIEW_SCHEMA: Schema = schema.object({
  accountId: schema.string('', 'acct-1'),
  plan: schema.string('', 'plus'),
  windows: schema.array({
    ...WINDOW_SCHEMA,
    properties: {
      ...WINDOW_SCHEMA.properties,
      retired: schema.boolean('present (true) on windows of a retired product: nothing remaining'),
    },
  }),
  credits: schema.object({
    balance: schema.credits('what can still be drawn (held credits excluded)'),
    held: schema.credits('kept by open holds'),
    grants: schema.array(GRANT_SCHEMA),
  }),
  spendingCap: schema.object({
    creditsPerMonth: schema.nullable(schema.credits()),
    spentThisMonth: schema.credits(),
  }),
});
