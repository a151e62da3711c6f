import { WEBHOOK_KINDS } from '@ledger/domain';
import { schema } from '../http/openapi';

const kinds = schema.array(schema.enum(WEBHOOK_KINDS));

export const REGISTERED_SCHEMA = schema.object({
  webhookId: schema.string('the webhook', 'wh-billing'),
  url: schema.string('where deliveries are POSTed', 'https://hooks.example.com/ledger'),
  kinds,
  secret: schema.string('the signing secret (Ledger-Signature): shown in this answer only', 'whsec_…'),
  registeredAt: schema.time('when it was registered (ledger clock)'),
  position: schema.position('its log position: it receives the notifications after it'),
});

export const WEBHOOK_LIST_SCHEMA = schema.object({
  items: schema.array(
    schema.object({
      webhookId: schema.string(),
      url: schema.string(),
      kinds,
      registeredAt: schema.time(),
      fromPosition: schema.position('notifications after this position are delivered to it'),
    }),
  ),
});

export const DELIVERIES_PAGE_SCHEMA = schema.object({
  items: schema.array(
    schema.object({
      deliveryId: schema.string('deterministic from the webhook and the notification'),
      notificationId: schema.string('receivers dedupe on it: a redelivery carries the same'),
      kind: schema.enum(WEBHOOK_KINDS),
      accountId: schema.string(),
      status: schema.enum(['pending', 'delivered', 'failed']),
      attempts: schema.integer('attempts made (0: queued behind an earlier delivery of its account)'),
      lastStatusCode: schema.nullable(
        schema.integer('the receiver’s last answer; null: none (refused, timed out)'),
      ),
      lastError: schema.nullable(schema.string('why the last attempt failed, when it did')),
      nextAttemptAt: schema.nullable(schema.time('when it is tried next (ledger clock)')),
    }),
  ),
  nextCursor: schema.nullable(schema.string('pass as ?cursor= for the next page', '42.0')),
});

export const REDELIVERY_ANSWER_SCHEMA = schema.object({
  deliveryId: schema.string(),
  status: schema.enum(['pending']),
  position: schema.nullable(schema.position('the RedeliveryRequested event; null when it was due already')),
});
