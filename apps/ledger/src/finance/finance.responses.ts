import { schema, type Schema } from '../http/openapi';

const POSTING = schema.object({
  ledgerAccount: schema.string('', 'customer_credits:acct-1'),
  amount: schema.credits('signed decimal string; the postings of an entry sum to 0'),
});

export const JOURNAL_PAGE_SCHEMA: Schema = schema.object({
  items: schema.array({
    type: 'object',
    description:
      'One entry per event: postings, actor, reason, rate card version, causing command id, balances',
    properties: {
      entryId: schema.string('', '17:UsageRecorded'),
      position: schema.position('log position of the event'),
      recordedAt: schema.time(),
      type: schema.string('the event type', 'UsageRecorded'),
      postings: schema.array(POSTING),
    },
    required: ['entryId', 'position', 'recordedAt', 'type', 'postings'],
    additionalProperties: true,
  }),
  nextCursor: schema.nullable(schema.position('pass as ?cursor= for the next page; null on the last')),
});

export const TRIAL_BALANCE_SCHEMA: Schema = schema.object({
  ledgerAccounts: schema.map(schema.credits(), 'balance of each ledger account'),
  total: schema.string('always "0"', '0'),
  position: schema.position('the journal position the figures are at'),
});

export const VERIFY_REPORT_SCHEMA: Schema = {
  ...schema.object({
    ok: schema.boolean('true when the replay equals the live read models'),
    eventsReplayed: schema.integer('', 1200),
    mismatches: schema.array(schema.any('a row that differs: table, key, expected, actual')),
    position: schema.position('both sides were compared at this position'),
    truncated: schema.boolean('more mismatches than listed'),
  }),
  additionalProperties: true,
};

export const VERIFY_PROGRESS_SCHEMA: Schema = schema.object({
  running: schema.boolean(),
  startedAt: schema.nullable(schema.time()),
  progress: schema.nullable(schema.any('phase, events replayed, and where the replay stands')),
  queued: schema.integer('verifications waiting for this one', 0),
  last: schema.nullable(
    schema.object({ finishedAt: schema.time(), ok: schema.boolean(), position: schema.position('') }),
  ),
});
