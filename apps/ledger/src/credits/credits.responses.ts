import { schema, type Schema } from '../http/openapi';

const MONEY = schema.object({
  amountMinor: schema.integer('minor units of the currency', 4000),
  currency: schema.string('ISO 4217', 'USD'),
});

/** What every credits event says about itself (EventStamp) and where it sits in the log. */
const STAMP: Record<string, Schema> = {
  accountId: schema.string('', 'acct-1'),
  recordedAt: schema.time('ledger time of the command'),
  rateCardVersion: schema.string('', '2026-11-01'),
  actor: schema.string('the role of the key that called', 'service'),
};

const GRANT_FIELDS: Record<string, Schema> = {
  credits: schema.credits(),
  expiresAt: schema.nullable(schema.time()),
  products: schema.nullable(schema.array(schema.string('', 'codex'))),
  priority: schema.integer('burn order, lower first', 100),
};

export const PURCHASE_ANSWER_SCHEMA: Schema = schema.object({
  ...STAMP,
  purchaseId: schema.string('', 'p-1'),
  ...GRANT_FIELDS,
  amountPaid: MONEY,
  position: schema.position(),
});

export const GRANT_ANSWER_SCHEMA: Schema = schema.object({
  ...STAMP,
  grantId: schema.string('', 'g-1'),
  ...GRANT_FIELDS,
  reason: schema.string('', 'launch promotion'),
  position: schema.position(),
});

export const REFUND_ANSWER_SCHEMA: Schema = schema.object({
  ...STAMP,
  refundId: schema.string('', 'r-1'),
  purchaseId: schema.string('', 'p-1'),
  reason: schema.string('', 'customer request'),
  credits: schema.credits('the unused remainder taken back ("0" when all was used or had expired)'),
  amountRefunded: MONEY,
  position: schema.position(),
});

export const SPENDING_CAP_ANSWER_SCHEMA: Schema = schema.object({
  accountId: schema.string('', 'acct-1'),
  creditsPerMonth: schema.nullable(schema.credits()),
  position: schema.position(),
});
