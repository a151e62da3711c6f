import { schema, type Schema } from '../http/openapi';

const STATE = schema.any('the account after the event: plan, balance, windows, grants');

export const TIMELINE_PAGE_SCHEMA: Schema = schema.object(
  {
    items: schema.array(
      schema.object({
        position: schema.position('log position of the event'),
        revision: schema.integer('revision of the account stream', 0),
        type: schema.string('the event type', 'UsageRecorded'),
        recordedAt: schema.time(),
        data: schema.any('the event'),
        stateAfter: STATE,
      }),
    ),
    nextCursor: schema.nullable(schema.position('pass as ?cursor= for the next page; null on the last')),
    stateAsOf: schema.nullable({
      ...STATE,
      description: 'with asOf: the account then (null if not yet open)',
    }),
  },
  ['stateAsOf'],
);
