import { conflict, notFound, type DomainError } from '../errors';
import { isoOf, msFromStored, type EpochMs } from '../time';
import { nextAttemptAfter } from './delivery-backoff';

/**
 * One delivery = one notification to one webhook, on its own stream `webhook-delivery-<deliveryId>`
 * (SPEC §8). Its events are the durable delivery state every node shares: attempted (with the
 * receiver's status code), delivered (any 2xx), failed (24 h after the first attempt of its cycle),
 * redelivery requested (manual retry: a new cycle, due at once). The stream starts with the first
 * attempt; before that the delivery is only "queued" (derived from the notifications read model).
 */
export const deliveryStreamOf = (deliveryId: string): string => `webhook-delivery-${deliveryId}`;

export type DeliveryStatus = 'queued' | 'pending' | 'delivered' | 'failed';

export interface RecordDeliveryAttempt {
  readonly type: 'RecordDeliveryAttempt';
  readonly data: {
    readonly deliveryId: string;
    readonly webhookId: string;
    readonly notificationId: string;
    readonly accountId: string;
    readonly kind: string;
    /** Where the notification sits (its event's position and its ordinal there): orders the log. */
    readonly notificationPosition: string;
    readonly notificationOrdinal: number;
    /** The receiver's answer, or null when there was none (refused, timed out, target not allowed). */
    readonly statusCode: number | null;
    readonly error: string | null;
  };
  readonly metadata: { readonly now: EpochMs };
}

export interface RequestRedelivery {
  readonly type: 'RequestRedelivery';
  readonly data: { readonly deliveryId: string };
  readonly metadata: { readonly now: EpochMs; readonly actor: string };
}

export type DeliveryCommand = RecordDeliveryAttempt | RequestRedelivery;

export interface DeliveryAttempted {
  readonly type: 'DeliveryAttempted';
  readonly data: RecordDeliveryAttempt['data'] & {
    readonly attempt: number;
    readonly attemptedAt: string;
    /** When it is tried again; null when this attempt settled it (delivered or failed). */
    readonly nextAttemptAt: string | null;
    readonly recordedAt: string;
  };
}

export interface WebhookDelivered {
  readonly type: 'WebhookDelivered';
  readonly data: {
    readonly deliveryId: string;
    readonly webhookId: string;
    readonly statusCode: number;
    readonly deliveredAt: string;
    readonly recordedAt: string;
  };
}

export interface WebhookDeliveryFailed {
  readonly type: 'WebhookDeliveryFailed';
  readonly data: {
    readonly deliveryId: string;
    readonly webhookId: string;
    readonly attempts: number;
    readonly failedAt: string;
    readonly recordedAt: string;
  };
}

export interface RedeliveryRequested {
  readonly type: 'RedeliveryRequested';
  readonly data: {
    readonly deliveryId: string;
    readonly webhookId: string;
    readonly actor: string;
    readonly requestedAt: string;
    readonly recordedAt: string;
  };
}

export type DeliveryEvent =
  DeliveryAttempted | WebhookDelivered | WebhookDeliveryFailed | RedeliveryRequested;
export const DELIVERY_EVENT_TYPES = [
  'DeliveryAttempted',
  'WebhookDelivered',
  'WebhookDeliveryFailed',
  'RedeliveryRequested',
] as const;

export interface DeliveryState {
  readonly status: DeliveryStatus;
  readonly webhookId: string | null;
  readonly attempts: number;
  /** Attempts since the cycle began (the first attempt, or the last redelivery request): the backoff exponent. */
  readonly cycleAttempts: number;
  readonly cycleStartedAt: EpochMs | null;
  readonly nextAttemptAt: EpochMs | null;
  readonly lastStatusCode: number | null;
}

export type DeliveryDecision =
  | { readonly kind: 'events'; readonly events: readonly DeliveryEvent[] }
  | { readonly kind: 'error'; readonly error: DomainError };

export const initialDeliveryState = (): DeliveryState => ({
  status: 'queued',
  webhookId: null,
  attempts: 0,
  cycleAttempts: 0,
  cycleStartedAt: null,
  nextAttemptAt: null,
  lastStatusCode: null,
});

export function evolveDelivery(state: DeliveryState, event: DeliveryEvent): DeliveryState {
  switch (event.type) {
    case 'DeliveryAttempted': {
      const at = msFromStored(event.data.attemptedAt);
      return {
        status: 'pending',
        webhookId: event.data.webhookId,
        attempts: event.data.attempt,
        cycleAttempts: state.cycleAttempts + 1,
        cycleStartedAt: state.cycleStartedAt ?? at,
        nextAttemptAt: event.data.nextAttemptAt === null ? null : msFromStored(event.data.nextAttemptAt),
        lastStatusCode: event.data.statusCode,
      };
    }
    case 'WebhookDelivered':
      return { ...state, status: 'delivered', nextAttemptAt: null };
    case 'WebhookDeliveryFailed':
      return { ...state, status: 'failed', nextAttemptAt: null };
    case 'RedeliveryRequested':
      return {
        ...state,
        status: 'pending',
        cycleAttempts: 0,
        cycleStartedAt: null,
        nextAttemptAt: msFromStored(event.data.requestedAt),
      };
  }
}

/** Whether the dispatcher may attempt it at `now`: queued, or pending and due. */
export function isDeliveryDue(state: DeliveryState, now: EpochMs): boolean {
  if (state.status === 'queued') return true;
  return state.status === 'pending' && state.nextAttemptAt !== null && state.nextAttemptAt <= now;
}

const isSuccess = (statusCode: number | null): statusCode is number =>
  statusCode !== null && statusCode >= 200 && statusCode <= 299;

export function decideDelivery(command: DeliveryCommand, state: DeliveryState): DeliveryDecision {
  const now = command.metadata.now;
  switch (command.type) {
    case 'RecordDeliveryAttempt': {
      if (!isDeliveryDue(state, now))
        return {
          kind: 'error',
          error: conflict(`delivery "${command.data.deliveryId}" is ${state.status}, not due for an attempt`),
        };
      const { deliveryId, webhookId, statusCode } = command.data;
      const attempt = state.attempts + 1;
      const at = isoOf(now);
      if (isSuccess(statusCode)) {
        return {
          kind: 'events',
          events: [
            {
              type: 'DeliveryAttempted',
              data: { ...command.data, attempt, attemptedAt: at, nextAttemptAt: null, recordedAt: at },
            },
            {
              type: 'WebhookDelivered',
              data: { deliveryId, webhookId, statusCode, deliveredAt: at, recordedAt: at },
            },
          ],
        };
      }
      const next = nextAttemptAfter(deliveryId, state.cycleAttempts + 1, now, state.cycleStartedAt ?? now);
      const attempted: DeliveryAttempted = {
        type: 'DeliveryAttempted',
        data: {
          ...command.data,
          attempt,
          attemptedAt: at,
          nextAttemptAt: next === null ? null : isoOf(next),
          recordedAt: at,
        },
      };
      if (next !== null) return { kind: 'events', events: [attempted] };
      return {
        kind: 'events',
        events: [
          attempted,
          {
            type: 'WebhookDeliveryFailed',
            data: { deliveryId, webhookId, attempts: attempt, failedAt: at, recordedAt: at },
          },
        ],
      };
    }
    case 'RequestRedelivery': {
      const { deliveryId } = command.data;
      if (state.status === 'queued' || state.webhookId === null)
        return { kind: 'error', error: notFound(`delivery "${deliveryId}" has not been attempted yet`) };
      if (isDeliveryDue(state, now)) return { kind: 'events', events: [] };
      return {
        kind: 'events',
        events: [
          {
            type: 'RedeliveryRequested',
            data: {
              deliveryId,
              webhookId: state.webhookId,
              actor: command.metadata.actor,
              requestedAt: isoOf(now),
              recordedAt: isoOf(now),
            },
          },
        ],
      };
    }
  }
}

export const deliveryDecider = {
  initialState: initialDeliveryState,
  evolve: evolveDelivery,
  decide: (command: DeliveryCommand, state: DeliveryState, _context: unknown) =>
    decideDelivery(command, state),
};
