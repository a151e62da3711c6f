import { schema, type Schema } from '../http/openapi';
import {
  CHARGED_SCHEMA,
  CREDITS_VIEW_SCHEMA,
  REJECTION_REASONS,
  USAGE_OUTCOME_SCHEMA,
  WINDOW_SCHEMA,
} from '../usage/usage.responses';

const HELD_SCHEMA: Schema = {
  ...CHARGED_SCHEMA,
  description: 'What the hold keeps: allowance units, and credits per grant in burn order',
};

const RELEASED_SCHEMA: Schema = schema.object({
  allowanceUnits: schema.integer('units no longer held', 2),
  credits: schema.credits(
    'credits no longer held (back to their grants, or written off if the grant expired)',
  ),
});

/** 201 of POST /v1/holds (and its 200 replay). */
export const HOLD_PLACED_SCHEMA: Schema = schema.object({
  holdId: schema.string('', 'h-1'),
  accountId: schema.string('', 'acct-1'),
  outcome: schema.enum(['held']),
  status: schema.enum(['held']),
  held: HELD_SCHEMA,
  expiresAt: schema.time('when the hold is released by itself'),
  windows: schema.array(WINDOW_SCHEMA),
  credits: CREDITS_VIEW_SCHEMA,
  recordedAt: schema.time('ledger time of the decision'),
  position: schema.position(),
});

/** 402 of POST /v1/holds (recorded, and replayed on retry). */
export const HOLD_REJECTED_SCHEMA: Schema = schema.object({
  holdId: schema.string('', 'h-1'),
  accountId: schema.string('', 'acct-1'),
  outcome: schema.enum(['rejected']),
  status: schema.enum(['rejected']),
  reason: schema.enum(REJECTION_REASONS, 'why the hold was refused (as for usage)'),
  requiredCredits: schema.credits('credits the overage of the lines would need'),
  resetsAt: schema.nullable(schema.time('when the allowance will next cover the lines')),
  windows: schema.array(WINDOW_SCHEMA),
  credits: CREDITS_VIEW_SCHEMA,
  recordedAt: schema.time(),
  position: schema.position(),
});

/** 201 of a settlement: the usage outcome plus what the hold gave back and what could not be paid. */
export const SETTLEMENT_SCHEMA: Schema = {
  ...USAGE_OUTCOME_SCHEMA,
  properties: {
    ...USAGE_OUTCOME_SCHEMA.properties,
    holdId: schema.string('', 'h-1'),
    released: RELEASED_SCHEMA,
    uncollected: schema.credits('what could not be paid (posted to `uncollected`), "0" when all was paid'),
    uncollectedReason: schema.nullable(
      schema.enum(REJECTION_REASONS, 'why some was not paid; null when all was'),
    ),
  },
  required: [
    ...(USAGE_OUTCOME_SCHEMA.required ?? []),
    'holdId',
    'released',
    'uncollected',
    'uncollectedReason',
  ],
};

export const RELEASE_SCHEMA: Schema = schema.object({
  holdId: schema.string('', 'h-1'),
  accountId: schema.string('', 'acct-1'),
  status: schema.enum(['released']),
  released: RELEASED_SCHEMA,
  position: schema.position(),
});
