import {
  ACCOUNT_EVENT_TYPES,
  DELIVERY_EVENT_TYPES,
  LIMITS_RESETS_STREAM,
  ORGANIZATION_EVENT_TYPES,
  WEBHOOK_EVENT_TYPES,
  type AccountEvent,
  type DeliveryEvent,
  type LimitsReset,
  type OrganizationEvent,
  type WebhookEvent,
} from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';

/** Where an event sits in the log: what every read model keys its rows and cursors by. */
export interface LogCoordinates {
  readonly eventId: string;
  readonly position: bigint;
  readonly revision: bigint;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** The events projections understand: an account's own events, an organisation's, and global limit resets. */
export type ProjectedEvent =
  | (LogCoordinates & {
      readonly stream: 'account';
      readonly accountId: string;
      readonly event: AccountEvent;
    })
  | (LogCoordinates & {
      readonly stream: 'organization';
      readonly organizationId: string;
      readonly event: OrganizationEvent;
    })
  | (LogCoordinates & { readonly stream: 'limits-resets'; readonly event: LimitsReset })
  /** Webhook subscriptions and delivery state (SPEC §8): only the webhooks read model reads them. */
  | (LogCoordinates & { readonly stream: 'webhooks'; readonly event: WebhookEvent | DeliveryEvent });

const ACCOUNT_STREAM_PREFIX = 'account-';
const ACCOUNT_TYPES: ReadonlySet<string> = new Set(ACCOUNT_EVENT_TYPES);
const ORGANIZATION_STREAM_PREFIX = 'organization-';
const ORGANIZATION_TYPES: ReadonlySet<string> = new Set(ORGANIZATION_EVENT_TYPES);
const WEBHOOK_STREAM_PREFIX = 'webhook-';
const WEBHOOK_TYPES: ReadonlySet<string> = new Set([...WEBHOOK_EVENT_TYPES, ...DELIVERY_EVENT_TYPES]);

/**
 * Recognises ledger events by stream and type. Anything else in the log (snapshots, future event
 * types) is skipped rather than failing the runner: the checkpoint still moves past it.
 * The data is trusted as the decider wrote it: the log is the ledger's own output.
 */
export function decodeLedgerEvent(recorded: RecordedEvent): ProjectedEvent | null {
  const { id: eventId, position, revision, metadata } = recorded;
  if (recorded.streamName.startsWith(ACCOUNT_STREAM_PREFIX) && ACCOUNT_TYPES.has(recorded.type)) {
    const event = { type: recorded.type, data: recorded.data } as AccountEvent;
    return {
      eventId,
      position,
      revision,
      metadata,
      stream: 'account',
      accountId: event.data.accountId,
      event,
    };
  }
  if (recorded.streamName.startsWith(ORGANIZATION_STREAM_PREFIX) && ORGANIZATION_TYPES.has(recorded.type)) {
    const event = { type: recorded.type, data: recorded.data } as OrganizationEvent;
    return {
      eventId,
      position,
      revision,
      metadata,
      stream: 'organization',
      organizationId: event.data.organizationId,
      event,
    };
  }
  if (recorded.streamName === LIMITS_RESETS_STREAM && recorded.type === 'LimitsReset') {
    const event = { type: 'LimitsReset', data: recorded.data } as LimitsReset;
    return { eventId, position, revision, metadata, stream: 'limits-resets', event };
  }
  if (recorded.streamName.startsWith(WEBHOOK_STREAM_PREFIX) && WEBHOOK_TYPES.has(recorded.type)) {
    const event = { type: recorded.type, data: recorded.data } as WebhookEvent | DeliveryEvent;
    return { eventId, position, revision, metadata, stream: 'webhooks', event };
  }
  return null;
}
