import { schema } from '../http/openapi';

export const ALERTS_ANSWER_SCHEMA = schema.object({
  accountId: schema.string('', 'acct-1'),
  creditsBelow: schema.nullable(schema.credits()),
  expiringWithinDays: schema.nullable(schema.integer('days ahead', 7)),
  position: schema.position(),
});

export const AUTO_TOP_UP_ANSWER_SCHEMA = schema.object({
  accountId: schema.string('', 'acct-1'),
  enabled: schema.boolean('auto top-up on'),
  belowCredits: schema.credits(),
  targetCredits: schema.credits(),
  monthlyLimitCredits: schema.credits(),
  topUpRequested: schema.nullable(
    schema.object({ topUpId: schema.string('', 'topup-7'), credits: schema.credits() }),
  ),
  position: schema.position(),
});

export const TOP_UP_FAILURE_ANSWER_SCHEMA = schema.object({
  accountId: schema.string('', 'acct-1'),
  topUpId: schema.string('', 'topup-7'),
  reason: schema.string('', 'card declined'),
  credits: schema.credits('what the failed request asked for'),
  failuresInARow: schema.integer('', 1),
  autoTopUpTurnedOff: schema.boolean('this failure was the third in a row: auto top-up is now off'),
  recordedAt: schema.time('ledger time of the report'),
  position: schema.position(),
});

export const NOTIFICATIONS_PAGE_SCHEMA = schema.object({
  items: schema.array(
    schema.object(
      {
        notificationId: schema.string('deterministic: the same occasion always has the same id', 'ntf_3f2a…'),
        kind: schema.enum([
          'window.threshold',
          'credits.low',
          'credits.depleted',
          'credits.expiring',
          'spending_cap.reached',
          'member_limit.reached',
          'hold.expired',
          'topup.requested',
          'topup.failed',
        ]),
        accountId: schema.string('the account (for a pool notification: the organisation)', 'acct-1'),
        organizationId: schema.string(
          'the organisation, when the occasion is one of its pool or a member limit',
          'org-1',
        ),
        occurredAt: schema.time('ledger time of the event that was the occasion'),
        position: schema.position('log position of that event'),
        data: schema.any('per kind, as API.md says (e.g. topup.requested: { topUpId, credits })'),
      },
      ['organizationId'],
    ),
  ),
  nextCursor: schema.nullable(schema.string('pass as ?cursor= for the next page', '42.0')),
});
