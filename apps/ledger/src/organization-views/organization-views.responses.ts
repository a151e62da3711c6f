import { schema, type Schema } from '../http/openapi';

const GRANT = schema.object({
  grantId: schema.string('', 'org-p-1'),
  kind: schema.enum(['purchase', 'promotional']),
  credits: schema.credits('credits granted'),
  remaining: schema.credits('what can still be drawn'),
  held: schema.credits('kept by open member reservations (not in remaining)'),
  used: schema.credits('consumed by members'),
  expiresAt: schema.nullable(schema.time()),
  products: schema.nullable(schema.array(schema.string('', 'codex'))),
  priority: schema.integer('burn order, lower first', 100),
  status: schema.enum(['active', 'exhausted', 'expired', 'refunded']),
});

const LIMITS = schema.object({
  default: schema.nullable(schema.credits('credits per member per UTC month; null: unlimited')),
  groups: schema.map(schema.credits(), 'group → credits per member per month'),
  members: schema.map(schema.credits(), 'member → its own override'),
});

export const ORGANIZATION_VIEW_SCHEMA: Schema = schema.object({
  organizationId: schema.string('', 'org-1'),
  plan: schema.string('', 'business'),
  name: schema.string('', 'Acme'),
  month: schema.string('the UTC month spentThisMonth counts in (ledger clock)', '2026-11'),
  credits: schema.object({
    balance: schema.credits('what the pool can still pay (held credits excluded)'),
    held: schema.credits('kept by open member reservations'),
    grants: schema.array(GRANT),
  }),
  spendLimits: LIMITS,
  members: schema.array(
    schema.object({
      accountId: schema.string('', 'acct-1'),
      group: schema.nullable(schema.string('', 'research')),
      spentThisMonth: schema.credits('settled plus open reservations this UTC month'),
      limit: schema.nullable(schema.credits('the effective limit; null: unlimited')),
      limitSource: schema.nullable(schema.enum(['member', 'group', 'default'])),
      remainingThisMonth: schema.nullable(schema.credits('limit − spent; null: unlimited')),
    }),
  ),
  creditRequests: schema.array(
    schema.object({
      requestId: schema.string('', 'r-1'),
      accountId: schema.string('', 'acct-1'),
      credits: schema.credits(),
      note: schema.nullable(schema.string()),
      status: schema.enum(['pending', 'approved', 'declined']),
      requestedAt: schema.time(),
      decidedAt: schema.nullable(schema.time()),
      decisionNote: schema.nullable(schema.string()),
      month: schema.nullable(schema.string('approved: the month of the override', '2026-11')),
      override: schema.nullable(schema.credits('approved: the member limit that month (null: unlimited)')),
    }),
  ),
});

const STATE = schema.any(
  'the organisation after the event: plan, name, pool balance and held, grants, members, spend limits, open reservations, pending requests',
);

export const ORGANIZATION_TIMELINE_PAGE_SCHEMA: Schema = schema.object(
  {
    items: schema.array(
      schema.object({
        position: schema.position('log position of the event'),
        revision: schema.integer('revision of the organisation stream', 0),
        type: schema.string('the event type', 'MemberSpendSettled'),
        recordedAt: schema.time(),
        data: schema.any('the event'),
        stateAfter: STATE,
      }),
    ),
    nextCursor: schema.nullable(schema.position('pass as ?cursor= for the next page; null on the last')),
    stateAsOf: schema.nullable({
      ...STATE,
      description: 'with asOf: the organisation then (null if not yet open)',
    }),
  },
  ['stateAsOf'],
);
