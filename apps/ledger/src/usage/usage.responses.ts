import { schema, type Schema } from '../http/openapi';

/** A window of an allowance (API.md "Usage outcome" windows). */
export const WINDOW_SCHEMA: Schema = schema.object({
  product: schema.string('', 'codex'),
  window: schema.string('window name of the plan', '5h'),
  used: schema.integer('allowance units used', 150),
  held: schema.integer('allowance units held by open holds (SPEC §6)', 0),
  limit: schema.integer('allowance units of the window', 150),
  remaining: schema.integer('limit − used − held, never below 0', 0),
  usedPercent: schema.integer('used × 100 / limit, rounded down', 100),
  startedAt: schema.nullable(schema.time('null before the first usage')),
  resetsAt: schema.nullable(schema.time()),
});

export const CHARGED_SCHEMA: Schema = schema.object({
  allowanceUnits: schema.integer('', 3),
  credits: schema.credits(),
  allocations: schema.array(schema.object({ grantId: schema.string('', 'p-1'), credits: schema.credits() })),
});

export const REJECTION_REASONS = [
  'insufficient_credits',
  'overage_not_allowed',
  'spending_cap_reached',
  'member_limit_reached',
] as const;

/** `balance` = what can still be drawn; `held` = credits kept by open holds (not in the balance). */
export const CREDITS_VIEW_SCHEMA: Schema = schema.object({
  balance: schema.credits('credits that can still be drawn (held credits excluded)'),
  held: schema.credits('credits held by open holds'),
});

export const USAGE_OUTCOME_SCHEMA: Schema = schema.object(
  {
    usageId: schema.string('', 'u-1'),
    accountId: schema.string('', 'acct-1'),
    outcome: schema.enum(['accepted', 'rejected']),
    reason: schema.nullable(schema.enum(REJECTION_REASONS, 'why a usage was rejected')),
    charged: CHARGED_SCHEMA,
    requiredCredits: schema.nullable(schema.credits('credits the overage would need (rejected only)')),
    resetsAt: schema.nullable(schema.time('when the allowance next covers this usage (rejected only)')),
    limitSource: schema.nullable(
      schema.enum(['member', 'group', 'default'], 'member_limit_reached only: the level of the limit passed'),
    ),
    limit: schema.nullable(schema.credits('member_limit_reached only: the monthly limit passed')),
    windows: schema.array(WINDOW_SCHEMA),
    credits: CREDITS_VIEW_SCHEMA,
    recordedAt: schema.time('ledger time of the decision'),
    position: schema.position(),
  },
  ['limitSource', 'limit'],
);

export const BATCH_ANSWER_SCHEMA: Schema = schema.object({
  results: schema.array({
    description:
      'In input order: the usage outcome with `status` (201/200/402), or `{ status, usageId, error }` (400/404/409/503, 503 with retryAfterSeconds)',
    allOf: [
      schema.object(
        {
          status: schema.integer('the status this record would have had alone', 201),
          replayed: schema.boolean('true on a replay'),
          error: schema.any('the error body this record would have had alone'),
          retryAfterSeconds: schema.integer('503 items: when to resend', 1),
        },
        ['replayed', 'error', 'retryAfterSeconds'],
      ),
      { ...USAGE_OUTCOME_SCHEMA, required: [] },
    ],
  }),
});

export const ENTITLEMENT_SCHEMA: Schema = schema.object({
  allowed: schema.boolean(),
  outcome: schema.enum(['accepted', 'rejected']),
  reason: schema.nullable(schema.enum(REJECTION_REASONS)),
  charged: CHARGED_SCHEMA,
  requiredCredits: schema.nullable(schema.credits()),
  resetsAt: schema.nullable(schema.time()),
});
