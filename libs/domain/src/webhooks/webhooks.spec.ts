import { DeciderSpecification } from '../testing/decider-specification';
import { DAY, HOUR, T0 } from '../testing/fixtures';
import { isoOf } from '../time';
import {
  deliveryDecider,
  isDeliveryDue,
  type DeliveryEvent,
  type RecordDeliveryAttempt,
  type RequestRedelivery,
} from './deliveries';
import { DELIVERY_SPAN_MS, retryDelayMs } from './delivery-backoff';
import { dispatchLeaseDecider, holdsDispatchLease, type DispatchLeaseEvent } from './dispatch-lease';
import { webhookDecider, type RegisterWebhook, type RemoveWebhook, type WebhookEvent } from './subscriptions';

const sealed = { keyId: 'k1', iv: 'aXY=', tag: 'dGFn', ciphertext: 'Y3Q=' };
const register = (
  data: Partial<RegisterWebhook['data']> = {},
  fingerprint = 'fp-1',
  now = T0,
): RegisterWebhook => ({
  type: 'RegisterWebhook',
  data: {
    webhookId: 'wh-1',
    url: 'https://hooks.example.com/x',
    kinds: ['credits.low'],
    secret: sealed,
    ...data,
  },
  metadata: { now, fingerprint, actor: 'admin' },
});
const remove = (now = T0): RemoveWebhook => ({
  type: 'RemoveWebhook',
  data: { webhookId: 'wh-1' },
  metadata: { now, actor: 'admin' },
});
const registered: WebhookEvent = {
  type: 'WebhookRegistered',
  data: {
    webhookId: 'wh-1',
    url: 'https://hooks.example.com/x',
    kinds: ['credits.low'],
    secret: sealed,
    fingerprint: 'fp-1',
    actor: 'admin',
    registeredAt: isoOf(T0),
    recordedAt: isoOf(T0),
  },
};

describe('webhook subscriptions (SPEC §8, stream webhook-<id>)', () => {
  const spec = () => DeciderSpecification.for(webhookDecider, undefined);

  it('registers with the sealed secret, never the secret in clear', () => {
    spec().given([]).when(register()).then([registered]);
  });

  it('replays the same registration; another url or kinds under the id is a conflict', () => {
    spec()
      .given([registered])
      .when(register({}, 'fp-1', T0 + HOUR))
      .thenReplay(0);
    spec()
      .given([registered])
      .when(register({ url: 'https://other.example.com/' }, 'fp-2'))
      .thenError('conflict');
  });

  it('refuses unknown, repeated or no kinds, a non-http(s) or over-long url, naming the field', () => {
    spec()
      .given([])
      .when(register({ kinds: ['credits.gone'] }))
      .thenError('invalid', ['kinds']);
    spec()
      .given([])
      .when(register({ kinds: [] }))
      .thenError('invalid', ['kinds']);
    spec()
      .given([])
      .when(register({ kinds: ['credits.low', 'credits.low'] }))
      .thenError('invalid', ['kinds']);
    spec()
      .given([])
      .when(register({ url: 'ftp://x.example.com/' }))
      .thenError('invalid', ['url']);
    spec()
      .given([])
      .when(register({ url: `https://x.example.com/${'a'.repeat(2048)}` }))
      .thenError('invalid', ['url']);
    spec()
      .given([])
      .when(register({ webhookId: 'bad id' }))
      .thenError('invalid', ['webhookId']);
  });

  it('removes once; removing again appends nothing; an unknown webhook is not found', () => {
    const removed: WebhookEvent = {
      type: 'WebhookRemoved',
      data: { webhookId: 'wh-1', actor: 'admin', removedAt: isoOf(T0 + HOUR), recordedAt: isoOf(T0 + HOUR) },
    };
    spec()
      .given([registered])
      .when(remove(T0 + HOUR))
      .then([removed]);
    spec()
      .given([registered, removed])
      .when(remove(T0 + 2 * HOUR))
      .thenNothing();
    spec().given([]).when(remove()).thenError('not_found');
  });
});

const attemptData = {
  deliveryId: 'dlv_1',
  webhookId: 'wh-1',
  notificationId: 'ntf_1',
  accountId: 'acct-1',
  kind: 'credits.low',
  notificationPosition: '42',
  notificationOrdinal: 0,
};
const attempt = (
  now: number,
  statusCode: number | null,
  error: string | null = null,
): RecordDeliveryAttempt => ({
  type: 'RecordDeliveryAttempt',
  data: { ...attemptData, statusCode, error },
  metadata: { now },
});
const redeliver = (now: number): RequestRedelivery => ({
  type: 'RequestRedelivery',
  data: { deliveryId: 'dlv_1' },
  metadata: { now, actor: 'admin' },
});
/** The events of a sequence of commands, each decided on the state the ones before left. */
function history(...commands: (RecordDeliveryAttempt | RequestRedelivery)[]): DeliveryEvent[] {
  const events: DeliveryEvent[] = [];
  for (const command of commands) {
    const state = events.reduce(deliveryDecider.evolve, deliveryDecider.initialState());
    const decision = deliveryDecider.decide(command, state, undefined);
    if (decision.kind !== 'events') throw new Error(JSON.stringify(decision));
    events.push(...decision.events);
  }
  return events;
}

describe('webhook deliveries (SPEC §8, stream webhook-delivery-<id>)', () => {
  const spec = () => DeciderSpecification.for(deliveryDecider, undefined);

  it('a 2xx on the first attempt: attempted with its status code, and delivered, in one append', () => {
    spec()
      .given([])
      .when(attempt(T0, 204))
      .then([
        {
          type: 'DeliveryAttempted',
          data: {
            ...attemptData,
            statusCode: 204,
            error: null,
            attempt: 1,
            attemptedAt: isoOf(T0),
            nextAttemptAt: null,
            recordedAt: isoOf(T0),
          },
        },
        {
          type: 'WebhookDelivered',
          data: {
            deliveryId: 'dlv_1',
            webhookId: 'wh-1',
            statusCode: 204,
            deliveredAt: isoOf(T0),
            recordedAt: isoOf(T0),
          },
        },
      ]);
  });

  it('a non-2xx or no answer: pending, next attempt after the backoff on the ledger clock', () => {
    spec()
      .given([])
      .when(attempt(T0, 503))
      .thenMatches([
        {
          type: 'DeliveryAttempted',
          data: { attempt: 1, statusCode: 503, nextAttemptAt: isoOf(T0 + retryDelayMs('dlv_1', 1)) },
        },
      ]);
    const first = history(attempt(T0, 503));
    const second = T0 + retryDelayMs('dlv_1', 1);
    spec()
      .given(first)
      .when(attempt(second, null, 'ECONNREFUSED'))
      .thenMatches([
        {
          type: 'DeliveryAttempted',
          data: {
            attempt: 2,
            statusCode: null,
            error: 'ECONNREFUSED',
            nextAttemptAt: isoOf(second + retryDelayMs('dlv_1', 2)),
          },
        },
      ]);
  });

  it('is not attempted before it is due, nor after it is settled', () => {
    const first = history(attempt(T0, 500));
    spec()
      .given(first)
      .when(attempt(T0 + 1, 200))
      .thenError('conflict');
    spec()
      .given(history(attempt(T0, 200)))
      .when(attempt(T0 + HOUR, 200))
      .thenError('conflict');
    const state = first.reduce(deliveryDecider.evolve, deliveryDecider.initialState());
    expect(isDeliveryDue(state, T0 + 1)).toBe(false);
    expect(isDeliveryDue(state, T0 + retryDelayMs('dlv_1', 1))).toBe(true);
  });

  it('fails 24 h after the first attempt: the last retry is at the cut-off, and fails there', () => {
    const late = T0 + DELIVERY_SPAN_MS - 1_000;
    const events = history(attempt(T0, 500));
    spec()
      .given(events)
      .when(attempt(late, 500))
      .thenMatches([{ type: 'DeliveryAttempted', data: { nextAttemptAt: isoOf(T0 + DELIVERY_SPAN_MS) } }]);
    spec()
      .given([...events, ...history(attempt(T0, 500), attempt(late, 500)).slice(1)])
      .when(attempt(T0 + DELIVERY_SPAN_MS, 500))
      .thenMatches([
        { type: 'DeliveryAttempted', data: { attempt: 3, nextAttemptAt: null } },
        {
          type: 'WebhookDeliveryFailed',
          data: { deliveryId: 'dlv_1', attempts: 3, failedAt: isoOf(T0 + DELIVERY_SPAN_MS) },
        },
      ]);
    // A clock moved well past the cut-off: the next attempt that fails settles it as failed.
    spec()
      .given(events)
      .when(attempt(T0 + 2 * DAY, null, 'timeout'))
      .thenMatches([{ type: 'DeliveryAttempted' }, { type: 'WebhookDeliveryFailed' }]);
    // …and one that succeeds still delivers.
    spec()
      .given(events)
      .when(attempt(T0 + 2 * DAY, 200))
      .thenMatches([{ type: 'DeliveryAttempted' }, { type: 'WebhookDelivered' }]);
  });

  it('manual redelivery re-queues a delivered or failed one (due now, a new 24 h span); a due one needs nothing', () => {
    const delivered = history(attempt(T0, 200));
    spec()
      .given(delivered)
      .when(redeliver(T0 + HOUR))
      .then([
        {
          type: 'RedeliveryRequested',
          data: {
            deliveryId: 'dlv_1',
            webhookId: 'wh-1',
            actor: 'admin',
            requestedAt: isoOf(T0 + HOUR),
            recordedAt: isoOf(T0 + HOUR),
          },
        },
      ]);
    const failed = history(attempt(T0, 500), attempt(T0 + 2 * DAY, 500));
    const requeued = [
      ...failed,
      ...history(attempt(T0, 500), attempt(T0 + 2 * DAY, 500), redeliver(T0 + 3 * DAY)).slice(failed.length),
    ];
    const state = requeued.reduce(deliveryDecider.evolve, deliveryDecider.initialState());
    expect(state).toMatchObject({
      status: 'pending',
      attempts: 2,
      nextAttemptAt: T0 + 3 * DAY,
      cycleStartedAt: null,
    });
    // The new span: a failure right after the retry is retried, not failed.
    spec()
      .given(requeued)
      .when(attempt(T0 + 3 * DAY, 500))
      .thenMatches([
        {
          type: 'DeliveryAttempted',
          data: { attempt: 3, nextAttemptAt: isoOf(T0 + 3 * DAY + retryDelayMs('dlv_1', 1)) },
        },
      ]);
    spec()
      .given(history(attempt(T0, 500)))
      .when(redeliver(T0 + DAY))
      .thenNothing();
    spec().given([]).when(redeliver(T0)).thenError('not_found');
  });
});

describe('the dispatch lease (one dispatcher per deployment)', () => {
  const spec = () => DeciderSpecification.for(dispatchLeaseDecider, undefined);
  const acquire = (holder: string, now: number) => ({
    type: 'AcquireDispatchLease' as const,
    data: { holder, ttlMs: 30_000 },
    metadata: { now },
  });
  const taken = (holder: string, now: number, previousHolder: string | null = null): DispatchLeaseEvent => ({
    type: 'DispatchLeaseTaken',
    data: {
      holder,
      previousHolder,
      takenAt: isoOf(now),
      leaseUntil: isoOf(now + 30_000),
      recordedAt: isoOf(now),
    },
  });

  it('a free lease is taken; a held one is refused to others until it lapses on the ledger clock', () => {
    spec()
      .given([])
      .when(acquire('a', T0))
      .then([taken('a', T0)]);
    spec()
      .given([taken('a', T0)])
      .when(acquire('b', T0 + 29_999))
      .thenError('conflict');
    spec()
      .given([taken('a', T0)])
      .when(acquire('b', T0 + 30_000))
      .then([taken('b', T0 + 30_000, 'a')]);
  });

  it('the holder renews once half of it is gone, not before', () => {
    spec()
      .given([taken('a', T0)])
      .when(acquire('a', T0 + 10_000))
      .thenNothing();
    spec()
      .given([taken('a', T0)])
      .when(acquire('a', T0 + 15_000))
      .thenMatches([{ type: 'DispatchLeaseRenewed', data: { holder: 'a', leaseUntil: isoOf(T0 + 45_000) } }]);
  });

  it('released, anyone takes it at once', () => {
    const released: DispatchLeaseEvent = {
      type: 'DispatchLeaseReleased',
      data: { holder: 'a', releasedAt: isoOf(T0 + 1), recordedAt: isoOf(T0 + 1) },
    };
    spec()
      .given([taken('a', T0)])
      .when({ type: 'ReleaseDispatchLease', data: { holder: 'a' }, metadata: { now: T0 + 1 } })
      .then([released]);
    spec()
      .given([taken('a', T0)])
      .when({ type: 'ReleaseDispatchLease', data: { holder: 'b' }, metadata: { now: T0 + 1 } })
      .thenNothing();
    spec()
      .given([taken('a', T0), released])
      .when(acquire('b', T0 + 2))
      .then([taken('b', T0 + 2)]);
    const state = [taken('a', T0)].reduce(dispatchLeaseDecider.evolve, dispatchLeaseDecider.initialState());
    expect(holdsDispatchLease(state, 'a', T0 + 29_999)).toBe(true);
    expect(holdsDispatchLease(state, 'a', T0 + 30_000)).toBe(false);
    expect(holdsDispatchLease(state, 'b', T0)).toBe(false);
  });
});
