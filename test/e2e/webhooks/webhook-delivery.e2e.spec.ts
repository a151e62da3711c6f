import type { DeliveryView } from '@ledger/projections';
import {
  LocalWebhookReceiver,
  type LedgerNotification,
  type ReceivedRequest,
} from '../../../apps/ledger/src/webhooks/receiver/local-webhook-receiver';
import { verifyLedgerSignature } from '../../../apps/ledger/src/webhooks/receiver/verify-ledger-signature';
import {
  CLOCK_START,
  ENGINES,
  KEYS,
  removeDir,
  startTestLedger,
  type TestLedger,
} from '../../support/ledger-app';

/**
 * SPEC §8 / issue 19 "Must show", on both engines, with a real `node:http` receiver on 127.0.0.1:
 * signatures verify with the receivers' helper; a receiver down (refused, then 500) gets everything
 * after it is back, in log order per account, nothing lost; a ledger restarted mid-delivery repeats
 * at most what was in flight, with the same notificationId; an occasion is notified once; a delivery
 * failed after 24 h is delivered by a manual retry. The simulated clock drives backoff and `t`.
 *
 * The dispatcher's progress has no log position to wait on: waits are on the receiver (event-driven)
 * or the delivery log read every 25 ms until a bound (20 s), never a fixed sleep.
 */
const ENV = {
  LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true',
  LEDGER_WEBHOOK_POLL_MS: '20',
  LEDGER_WEBHOOK_LEASE_MS: '1000',
  LEDGER_WEBHOOK_TIMEOUT_MS: '10000',
};
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe.each(ENGINES)('webhook delivery to a real receiver (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  let clockMs = Date.parse(CLOCK_START);
  let receiver: LocalWebhookReceiver;
  let webhookId = '';
  let secret = '';
  let usageNo = 0;

  beforeAll(async () => {
    ledger = await startTestLedger(ENV, { engine });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });
  afterEach(async () => {
    expectLedgerTimes();
    await receiver.close();
    await ledger
      .http()
      .delete(`/v1/webhooks/${webhookId}`)
      .set('authorization', `Bearer ${KEYS.admin}`)
      .expect(204);
  });

  /**
   * A fresh receiver and a webhook for it; the receiver checks `t` against the ledger's clock. A
   * test that moves the clock while deliveries are under way widens the tolerance to the jump (an
   * attempt signed just before a move arrives just after it) and checks `t` exactly with `expectLedgerTimes`.
   */
  async function subscribe(kinds: readonly string[], toleranceSeconds = 300): Promise<void> {
    receiver = await LocalWebhookReceiver.start({ now: () => clockMs, toleranceSeconds });
    const res = await ledger.as('admin').post('/v1/webhooks', { url: receiver.url, kinds }).expect(201);
    webhookId = res.body.webhookId as string;
    secret = res.body.secret as string;
    receiver.useSecret(secret);
  }

  /** Every time the simulated clock showed: it only moves when a test moves it. */
  const clockTimes = new Set<number>([Math.floor(clockMs / 1000)]);

  async function advance(ms: number): Promise<void> {
    const res = await ledger.as('admin').post('/v1/admin/clock', { advanceMs: ms }).expect(200);
    clockMs = Date.parse(res.body.now as string);
    clockTimes.add(Math.floor(clockMs / 1000));
  }

  /** Each request verified, its `t` one of the times the ledger clock showed (not the machine's). */
  function expectLedgerTimes(): void {
    for (const r of receiver.requests) {
      expect(r.signature?.valid).toBe(true);
      const t = r.signature?.valid === true ? r.signature.timestamp : NaN;
      expect([t, clockTimes.has(t)]).toEqual([t, true]);
    }
  }

  async function openAccount(accountId: string): Promise<void> {
    await ledger.as('service').post('/v1/accounts', { accountId, plan: 'plus' }).expect(201);
  }

  /** A usage refused for lack of credits: one `credits.depleted` notification each. */
  async function refuse(accountId: string): Promise<string> {
    usageNo += 1;
    const res = await ledger
      .as('service')
      .post('/v1/usage', {
        usageId: `wd-${usageNo}`,
        accountId,
        product: 'codex',
        operation: 'gpt-5.5:output_tokens',
        quantity: 1000,
      })
      .expect(402);
    return res.body.position as string;
  }

  /** The account's notifications of `kinds` from the webhook's start on, as the read model has them. */
  async function notificationsOf(accountId: string, minPosition: string, kinds: readonly string[]) {
    const res = await ledger
      .as('support')
      .get(`/v1/accounts/${accountId}/notifications?limit=500&minPosition=${minPosition}`)
      .expect(200);
    return (res.body.items as LedgerNotification[]).filter((n) => kinds.includes(n.kind));
  }

  async function deliveryLog(): Promise<DeliveryView[]> {
    const res = await ledger.as('admin').get(`/v1/webhooks/${webhookId}/deliveries`).expect(200);
    return res.body.items as DeliveryView[];
  }

  /** A bounded look at the delivery log until `check` holds (the dispatcher has no position to wait on). */
  async function logUntil(check: (log: DeliveryView[]) => boolean, what: string): Promise<DeliveryView[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const log = await deliveryLog();
      if (check(log)) return log;
      if (Date.now() > deadline)
        throw new Error(`delivery log: timed out waiting for ${what}: ${JSON.stringify(log)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** First 2xx arrival of each notification, per account, in arrival order. */
  function firstDeliveriesByAccount(requests: readonly ReceivedRequest[]): Map<string, string[]> {
    const seen = new Set<string>();
    const byAccount = new Map<string, string[]>();
    for (const r of requests) {
      const n = r.notification as LedgerNotification;
      if (seen.has(n.notificationId)) continue;
      seen.add(n.notificationId);
      byAccount.set(n.accountId, [...(byAccount.get(n.accountId) ?? []), n.notificationId]);
    }
    return byAccount;
  }

  it('signs every delivery so the helper verifies it, and notifies an occasion once (two usages above 80% → one alert)', async () => {
    await subscribe(['window.threshold', 'credits.depleted']);
    await openAccount('wd-sig');
    const use = (quantity: number) =>
      ledger.as('service').post('/v1/usage', {
        usageId: `wd-${(usageNo += 1)}`,
        accountId: 'wd-sig',
        product: 'codex',
        operation: 'local_message',
        quantity,
      });
    const first = await use(121).expect(201); // 121/150: 80%
    await use(4).expect(201); // 83%: the same occasion, nothing new
    await use(25).expect(201); // 150/150: 100%
    await use(1).expect(402); // beyond the window, no credits: credits.depleted
    const last = await refuse('wd-sig');

    const expected = await notificationsOf('wd-sig', last, ['window.threshold', 'credits.depleted']);
    expect(expected.map((n) => [n.kind, n.data.thresholdPercent])).toEqual([
      ['window.threshold', 80],
      ['window.threshold', 100],
      ['credits.depleted', undefined],
      ['credits.depleted', undefined],
    ]);
    expect(BigInt(expected[0].position)).toBe(BigInt(first.body.position as string));
    // In order per account: once the last one is in, anything repeated before it would be in too.
    await receiver.waitUntil(
      () => receiver.delivered().some((n) => n.notificationId === expected[3].notificationId),
      'the last notification',
    );
    const delivered = receiver.deliveredRequests();
    expect(delivered.map((r) => r.notification)).toEqual(expected);
    for (const r of delivered) {
      expect(verifyLedgerSignature(secret, r.signatureHeader, r.rawBody, { now: clockMs })).toEqual({
        valid: true,
        timestamp: expect.any(Number),
      });
      expect(
        verifyLedgerSignature('not-the-secret', r.signatureHeader, r.rawBody, { now: clockMs }).valid,
      ).toBe(false);
      // `t` is the ledger clock's (simulated: 2026-11-01), nowhere near the machine's.
      expect(Math.abs(Number(/t=(\d+)/.exec(r.signatureHeader ?? '')?.[1]) * 1000 - clockMs)).toBeLessThan(
        2 * MINUTE,
      );
    }
    expect(receiver.requests.every((r) => r.status === 204)).toBe(true);
    const log = await logUntil(
      (l) => l.length === 4 && l.every((d) => d.status === 'delivered'),
      'all delivered',
    );
    expect(log.map((d) => [d.notificationId, d.attempts, d.lastStatusCode])).toEqual(
      expected.map((n) => [n.notificationId, 1, 204]),
    );
  });

  it('a receiver down (refused, then 500) gets everything once back, in log order per account, nothing lost', async () => {
    await subscribe(['credits.depleted'], 2 * 3_600);
    await receiver.goDown();
    const accounts = ['wd-down-a', 'wd-down-b'];
    for (const a of accounts) await openAccount(a);
    let last = '';
    for (let i = 0; i < 4; i += 1) for (const a of accounts) last = await refuse(a);

    // Refused: the first of each account is attempted and stays pending (no status code); the rest wait behind it.
    const refused = await logUntil(
      (log) => accounts.every((a) => log.some((d) => d.accountId === a && d.attempts >= 1)),
      'a refused attempt per account',
    );
    // Backoff on the ledger clock: the first retry 5–10 s after the first attempt (10 s, jitter up to half).
    for (const d of refused.filter((x) => x.attempts >= 1)) {
      expect([d.status, d.lastStatusCode]).toEqual(['pending', null]);
      const gap = Date.parse(d.nextAttemptAt ?? '') - clockMs;
      expect(gap >= 5_000 && gap <= 10_000).toBe(true);
    }
    expect(receiver.requests).toEqual([]);

    // Back, but failing: 500s, the clock drives the retries.
    await receiver.comeBack();
    receiver.answerWith(500);
    await advance(11_000); // the first retry is at most 10 s after the first attempt
    await receiver.waitUntil(
      () => accounts.every((a) => receiver.requests.some((r) => r.notification?.accountId === a)),
      'a 500 per account',
    );
    expect(receiver.delivered()).toEqual([]);
    const failing = await logUntil(
      (log) => log.filter((d) => d.lastStatusCode === 500).length >= accounts.length,
      'the 500s recorded',
    );
    // The second retry: 10–20 s after the second attempt, and nothing is tried before it is due.
    for (const d of failing.filter((x) => x.lastStatusCode === 500)) {
      const gap = Date.parse(d.nextAttemptAt ?? '') - clockMs;
      expect([d.attempts, gap >= 10_000 && gap <= 20_000]).toEqual([2, true]);
    }
    expect(receiver.requests).toHaveLength(accounts.length);

    receiver.answerWith(204);
    await advance(HOUR); // past any retry gap
    const total = accounts.length * 4;
    await receiver.waitUntil(
      () => new Set(receiver.delivered().map((n) => n.notificationId)).size === total,
      `${total} distinct deliveries`,
    );
    const byAccount = firstDeliveriesByAccount(receiver.deliveredRequests());
    for (const a of accounts) {
      const expected = await notificationsOf(a, last, ['credits.depleted']);
      expect(expected).toHaveLength(4);
      expect(byAccount.get(a)).toEqual(expected.map((n) => n.notificationId));
    }
    const log = await logUntil(
      (l) => l.length === total && l.every((d) => d.status === 'delivered'),
      'all delivered',
    );
    // The heads went through refused + 500 + 204: three attempts at least.
    for (const a of accounts) {
      const head = log.find((d) => d.notificationId === byAccount.get(a)?.[0]);
      expect(head?.attempts).toBeGreaterThanOrEqual(3);
    }
  });

  it('a ledger restarted mid-delivery sends again only what was in flight, with the same notificationId and body', async () => {
    await subscribe(['credits.depleted'], 2 * 3_600);
    receiver.hold(); // every POST stays unanswered: in flight
    const accounts = ['wd-rs-a', 'wd-rs-b', 'wd-rs-c'];
    for (const a of accounts) await openAccount(a);
    let last = '';
    for (let i = 0; i < 3; i += 1) for (const a of accounts) last = await refuse(a);
    await receiver.waitUntil(() => receiver.inFlight().length >= 1, 'a delivery in flight');

    const arrivedBefore = receiver.requests.length;
    ledger = await ledger.restart();
    await advance(0); // where the restarted simulated clock stands (it continues from the log's time)
    // The old ledger hung up on its attempts as it stopped (aborted, unrecorded: well within the
    // 10 s timeout); what the new one sent meanwhile is held, still open.
    const old = receiver.requests.filter((r) => r.senderGone);
    expect(old.length).toBeGreaterThanOrEqual(arrivedBefore);
    expect(receiver.requests.slice(0, old.length)).toEqual(old);
    const inFlightAtRestart = new Set(old.map((r) => r.notification?.notificationId));
    expect(inFlightAtRestart.size).toBe(old.length);
    receiver.release(204);

    const total = accounts.length * 3;
    await receiver.waitUntil(
      () => new Set(receiver.delivered().map((n) => n.notificationId)).size === total,
      `${total} distinct deliveries`,
    );
    const arrivals = new Map<string, ReceivedRequest[]>();
    for (const r of receiver.requests) {
      const id = r.notification?.notificationId as string;
      arrivals.set(id, [...(arrivals.get(id) ?? []), r]);
    }
    const repeated = [...arrivals].filter(([, list]) => list.length > 1).map(([id]) => id);
    // At most what was in flight repeats, and each of those does (its answer was never heard).
    expect(new Set(repeated)).toEqual(inFlightAtRestart);
    for (const id of repeated) {
      const copies = arrivals.get(id) as ReceivedRequest[];
      expect(new Set(copies.map((c) => c.rawBody)).size).toBe(1);
      for (const c of copies.slice(1)) expect(c.signature?.valid).toBe(true);
    }
    expect(receiver.requests.length - old.length).toBe(total); // after the restart: each once
    const byAccount = firstDeliveriesByAccount(receiver.deliveredRequests());
    for (const a of accounts) {
      const expected = await notificationsOf(a, last, ['credits.depleted']);
      expect(byAccount.get(a)).toEqual(expected.map((n) => n.notificationId));
    }
  });

  it('a delivery failed after 24 h is delivered by a manual retry; the account behind it goes on', async () => {
    await subscribe(['credits.depleted'], 26 * 3_600);
    receiver.answerWith((n) => (n?.accountId === 'wd-24h-a' ? 500 : 204));
    await openAccount('wd-24h-a');
    await openAccount('wd-24h-b');
    await refuse('wd-24h-a');
    await refuse('wd-24h-a');
    const last = await refuse('wd-24h-b');
    const [stuck, behind] = await notificationsOf('wd-24h-a', last, ['credits.depleted']);
    await receiver.waitUntil(
      () =>
        receiver.delivered().some((n) => n.accountId === 'wd-24h-b') &&
        receiver.requests.some((r) => r.notification?.notificationId === stuck.notificationId),
      'the other account delivered, the stuck one tried',
    );

    await advance(25 * HOUR);
    const failed = await logUntil(
      (log) => log.some((d) => d.notificationId === stuck.notificationId && d.status === 'failed'),
      'the stuck delivery failed',
    );
    const dead = failed.find((d) => d.notificationId === stuck.notificationId) as DeliveryView;
    expect([dead.lastStatusCode, dead.nextAttemptAt]).toEqual([500, null]);
    // The one behind it is no longer blocked: it is tried (and fails: the receiver still answers 500).
    await receiver.waitUntil(
      () => receiver.requests.some((r) => r.notification?.notificationId === behind.notificationId),
      'the next one of the account tried',
    );

    receiver.answerWith(204);
    await ledger
      .as('admin')
      .post(`/v1/webhooks/${webhookId}/deliveries/${dead.deliveryId}/retry`)
      .expect(202);
    await receiver.waitUntil(
      () => receiver.delivered().some((n) => n.notificationId === stuck.notificationId),
      'the retried delivery',
    );
    const copies = receiver.requests.filter((r) => r.notification?.notificationId === stuck.notificationId);
    expect(new Set(copies.map((c) => c.rawBody)).size).toBe(1);
    const retried = copies[copies.length - 1];
    expect(retried.signature).toEqual({ valid: true, timestamp: Math.floor(clockMs / 1000) });
    await advance(HOUR);
    const log = await logUntil(
      (l) => l.length === 3 && l.every((d) => d.status === 'delivered'),
      'all three delivered',
    );
    expect(log.find((d) => d.notificationId === stuck.notificationId)?.attempts).toBeGreaterThan(
      dead.attempts,
    );
  });
});
