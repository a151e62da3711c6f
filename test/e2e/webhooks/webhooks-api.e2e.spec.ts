import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../../apps/ledger/src/webhooks/webhook-signature';
import { DELIVERY_SPAN_MS, retryDelayMs } from '../../../libs/domain/src/webhooks/delivery-backoff';
import type { EventStore } from '@ledger/event-store';
import { EVENT_STORE } from '../../../apps/ledger/src/store/store.tokens';
import { startEsdbDouble } from '../../support/esdb-double/esdb-double';
import {
  CLOCK_START,
  ENGINES,
  KEYS,
  removeDir,
  startTestLedger,
  type TestLedger,
} from '../../support/ledger-app';

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A real local receiver: records every POST, answers 200; `count(n)` resolves once n arrived (bounded). */
async function startReceiver() {
  const received: Received[] = [];
  const answer = { status: 200 };
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status).end('ok');
      for (const w of waiters.filter((x) => received.length >= x.n)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    /** What it answers from now on. */
    answer,
    count: (n: number, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        if (received.length >= n) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`${received.length} of ${n} deliveries arrived`)),
          timeoutMs,
        );
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const admin = `Bearer ${KEYS.admin}`;

/**
 * SPEC §8 webhooks over HTTP, on both engines, with a real local receiver: registration (201,
 * secret once; replay with a chosen webhookId; 409 on another payload), list without secrets, a
 * usage crossing 80% delivered signed (the signature verifies), the delivery log, removal (204) stops
 * deliveries, and the 400s naming the field with nothing registered.
 */
describe.each(ENGINES)('webhooks API (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let usageNo = 0;
  const use = (quantity: number) =>
    ledger
      .as('service')
      .post('/v1/usage', {
        usageId: `u-${(usageNo += 1)}`,
        accountId: 'acct-w',
        product: 'codex',
        operation: 'local_message',
        quantity,
      })
      .expect(201);

  beforeAll(async () => {
    receiver = await startReceiver();
    ledger = await startTestLedger(
      {
        LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true',
        LEDGER_WEBHOOK_POLL_MS: '20',
        LEDGER_WEBHOOK_TIMEOUT_MS: '2000',
      },
      { engine },
    );
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-w', plan: 'plus' }).expect(201);
  });
  afterAll(async () => {
    await ledger.close();
    await receiver.close();
    removeDir(ledger.dataDir);
  });

  it('registers (201, the secret once), replays a chosen id, 409 on another payload, lists without secrets', async () => {
    const created = await ledger
      .as('admin')
      .post('/v1/webhooks', { webhookId: 'wh-a', url: 'http://127.0.0.1:9/x', kinds: ['credits.low'] })
      .expect(201);
    expect(created.body).toMatchObject({
      webhookId: 'wh-a',
      url: 'http://127.0.0.1:9/x',
      kinds: ['credits.low'],
      secret: expect.stringMatching(/^whsec_/),
    });
    const replay = await ledger
      .as('admin')
      .post('/v1/webhooks', { webhookId: 'wh-a', url: 'http://127.0.0.1:9/x', kinds: ['credits.low'] })
      .expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(created.body);
    await ledger
      .as('admin')
      .post('/v1/webhooks', { webhookId: 'wh-a', url: 'http://127.0.0.1:9/y', kinds: ['credits.low'] })
      .expect(409);
    const list = await ledger
      .as('admin')
      .get(`/v1/webhooks?minPosition=${created.body.position}`)
      .expect(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ webhookId: 'wh-a', url: 'http://127.0.0.1:9/x', kinds: ['credits.low'] }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    // At rest the log holds it sealed with the deployment key, never in clear.
    const store = ledger.app.get<EventStore>(EVENT_STORE);
    const log = JSON.stringify(
      (await store.readAll({ maxCount: 10_000 })).map((e) => [e.type, e.data, e.metadata]),
    );
    expect(log).toContain('WebhookRegistered');
    expect(log).not.toContain(created.body.secret);
    expect(log).not.toContain((created.body.secret as string).slice('whsec_'.length));
    await ledger.http().delete('/v1/webhooks/wh-a').set('authorization', admin).expect(204);
    await ledger.http().delete('/v1/webhooks/wh-a').set('authorization', admin).expect(204);
    await ledger.http().delete('/v1/webhooks/wh-none').set('authorization', admin).expect(404);
    await ledger.as('service').get('/v1/webhooks').expect(403);
    await ledger
      .as('service')
      .post('/v1/webhooks', { url: receiver.url, kinds: ['credits.low'] })
      .expect(403);
  });

  it('delivers a usage crossing 80% to the receiver, signed; the delivery log shows it delivered', async () => {
    await use(10); // before the webhook: not delivered to it
    const hook = await ledger
      .as('admin')
      .post('/v1/webhooks', { url: receiver.url, kinds: ['window.threshold'] })
      .expect(201);
    const before = receiver.received.length;
    const usage = await use(115); // 125 of 150: crosses 80%
    await receiver.count(before + 1);
    const delivery = receiver.received[before];
    const body = JSON.parse(delivery.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      kind: 'window.threshold',
      accountId: 'acct-w',
      notificationId: expect.stringMatching(/^ntf_/),
      data: expect.objectContaining({ product: 'codex', window: '5h', thresholdPercent: 80 }),
    });
    expect(BigInt(body.position as string)).toBeGreaterThan(BigInt(hook.body.position as string));
    expect(delivery.headers['content-type']).toBe('application/json');
    const signature = delivery.headers['ledger-signature'] as string;
    const nowSeconds = Math.floor(Date.parse(CLOCK_START) / 1000);
    expect(signature).toMatch(new RegExp(`^t=${nowSeconds},v1=[0-9a-f]{64}$`));
    expect(verifyWebhookSignature(hook.body.secret as string, signature, delivery.body, nowSeconds)).toBe(
      true,
    );
    expect(verifyWebhookSignature('whsec_other', signature, delivery.body, nowSeconds)).toBe(false);

    const log = await ledger
      .as('admin')
      .get(`/v1/webhooks/${hook.body.webhookId}/deliveries?minPosition=${usage.body.position}`)
      .expect(200);
    expect(log.body.items).toHaveLength(1);
    // The log may lag the receiver by the projection: wait for the delivered state on a position.
    const settled = await waitForDelivered(ledger, hook.body.webhookId as string, 1);
    expect(settled[0]).toMatchObject({
      notificationId: body.notificationId,
      kind: 'window.threshold',
      accountId: 'acct-w',
      status: 'delivered',
      attempts: 1,
      lastStatusCode: 200,
      nextAttemptAt: null,
    });
    expect(receiver.received.slice(before)).toHaveLength(1);
  });

  it('stops delivering once the webhook is removed', async () => {
    const [hook] = (await ledger.as('admin').get('/v1/webhooks').expect(200)).body.items as {
      webhookId: string;
    }[];
    const other = await ledger
      .as('admin')
      .post('/v1/webhooks', { url: `${receiver.url}/other`, kinds: ['window.threshold'] })
      .expect(201);
    await ledger.http().delete(`/v1/webhooks/${hook.webhookId}`).set('authorization', admin).expect(204);
    const listed = await ledger
      .as('admin')
      .get(`/v1/webhooks?minPosition=${other.body.position}`)
      .expect(200);
    // The removal is projected once a later write is; wait for it without sleeping: the list is a read model.
    await waitUntil(async () => {
      const now = await ledger.as('admin').get('/v1/webhooks').expect(200);
      return !(now.body.items as { webhookId: string }[]).some((w) => w.webhookId === hook.webhookId);
    });
    expect(listed.body.items.length).toBeGreaterThanOrEqual(1);
    const before = receiver.received.length;
    await use(25); // 150 of 150: crosses 100%
    await receiver.count(before + 1);
    await waitForDelivered(ledger, other.body.webhookId as string, 1);
    const since = receiver.received.slice(before);
    expect(since).toHaveLength(1); // the removed webhook got nothing
    expect(JSON.parse(since[0].body)).toMatchObject({
      kind: 'window.threshold',
      data: { thresholdPercent: 100 },
    });
    const removedLog = await ledger.as('admin').get(`/v1/webhooks/${hook.webhookId}/deliveries`).expect(200);
    expect(removedLog.body.items.filter((i: { status: string }) => i.status === 'delivered')).toHaveLength(1);
  });

  it('retries on the ledger clock in order per account, redelivers on request with the same notification id, fails after 24 h', async () => {
    const failing = await startReceiver();
    try {
      failing.answer.status = 500;
      await ledger.as('service').post('/v1/accounts', { accountId: 'acct-r', plan: 'plus' }).expect(201);
      const hook = await ledger
        .as('admin')
        .post('/v1/webhooks', { url: failing.url, kinds: ['window.threshold'] })
        .expect(201);
      const id = hook.body.webhookId as string;
      const useR = (usageId: string, quantity: number) =>
        ledger
          .as('service')
          .post('/v1/usage', {
            usageId,
            accountId: 'acct-r',
            product: 'codex',
            operation: 'local_message',
            quantity,
          })
          .expect(201);
      const clockNow = async () =>
        Date.parse((await ledger.as('admin').post('/v1/admin/clock', { advanceMs: 0 }).expect(200)).body.now);
      const deliveries = async (position?: string) =>
        (
          await ledger
            .as('admin')
            .get(`/v1/webhooks/${id}/deliveries${position ? `?minPosition=${position}` : ''}`)
            .expect(200)
        ).body.items as Record<string, unknown>[];
      const attempted = async (n: number) =>
        waitUntil(async () => ((await deliveries())[0]?.attempts as number) >= n);

      await useR('r-1', 120); // 80%
      await failing.count(1);
      await attempted(1);
      const t0 = await clockNow();
      const usage = await useR('r-2', 30); // 100%: queued behind the 80% one of the same account
      const [first, second] = await deliveries(usage.body.position as string);
      const firstId = first.deliveryId as string;
      expect(first).toMatchObject({
        kind: 'window.threshold',
        status: 'pending',
        attempts: 1,
        lastStatusCode: 500,
        nextAttemptAt: new Date(t0 + retryDelayMs(firstId, 1)).toISOString(),
      });
      expect(second).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: null });
      expect(failing.received).toHaveLength(1);

      failing.answer.status = 200;
      await ledger.advanceClock(retryDelayMs(firstId, 1));
      await failing.count(3);
      const bodies = failing.received.map(
        (r) => JSON.parse(r.body) as { notificationId: string; data: { thresholdPercent: number } },
      );
      expect(bodies.map((b) => b.data.thresholdPercent)).toEqual([80, 80, 100]); // in order per account
      expect(bodies[1].notificationId).toBe(bodies[0].notificationId);
      const t1 = Math.floor((t0 + retryDelayMs(firstId, 1)) / 1000);
      expect(failing.received[1].headers['ledger-signature']).toMatch(new RegExp(`^t=${t1},`));
      await waitForDelivered(ledger, id, 2);
      expect(await deliveries()).toMatchObject([
        { status: 'delivered', attempts: 2, lastStatusCode: 200 },
        { status: 'delivered', attempts: 1 },
      ]);

      // The log in pages, in log order.
      const page1 = await ledger.as('admin').get(`/v1/webhooks/${id}/deliveries?limit=1`).expect(200);
      expect(page1.body.items).toMatchObject([{ deliveryId: firstId }]);
      const page2 = await ledger
        .as('admin')
        .get(`/v1/webhooks/${id}/deliveries?limit=1&cursor=${page1.body.nextCursor as string}`)
        .expect(200);
      expect(page2.body).toMatchObject({ items: [{ deliveryId: second.deliveryId }], nextCursor: null });
      await ledger.as('admin').get(`/v1/webhooks/${id}/deliveries?cursor=x`).expect(400);

      // Manual redelivery of a delivered one: sent again, the same notification id.
      const retried = await ledger
        .as('admin')
        .post(`/v1/webhooks/${id}/deliveries/${firstId}/retry`)
        .expect(202);
      expect(retried.body).toMatchObject({ deliveryId: firstId, status: 'pending' });
      await failing.count(4);
      expect(JSON.parse(failing.received[3].body)).toMatchObject({
        notificationId: bodies[0].notificationId,
      });
      await waitUntil(async () => (await deliveries())[0].attempts === 3);

      // A receiver that keeps failing: retried until 24 h after the first attempt of the cycle, then failed.
      failing.answer.status = 503;
      await ledger.as('admin').post(`/v1/webhooks/${id}/deliveries/${firstId}/retry`).expect(202);
      await failing.count(5);
      await waitUntil(async () => (await deliveries())[0].attempts === 4);
      await ledger.advanceClock(DELIVERY_SPAN_MS + 1_000);
      await failing.count(6);
      await waitUntil(async () => (await deliveries())[0].status === 'failed');
      expect((await deliveries())[0]).toMatchObject({
        attempts: 5,
        lastStatusCode: 503,
        nextAttemptAt: null,
      });

      // The webhooks read model replays from the log like every other: verify agrees.
      const verify = await ledger.as('finance').post('/v1/finance/verify').expect(200);
      expect(verify.body).toMatchObject({ ok: true, mismatches: [] });
      await ledger.as('admin').post(`/v1/webhooks/${id}/deliveries/dlv_nothing/retry`).expect(404);
      await ledger.as('admin').post(`/v1/webhooks/wh-nothing/deliveries/${firstId}/retry`).expect(404);
    } finally {
      await failing.close();
    }
  });

  it('refuses bad input with 400 naming the field, registering nothing; private targets unless allowed', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ url: 'ftp://example.com/x', kinds: ['credits.low'] }, 'url'],
      [{ url: 'not a url', kinds: ['credits.low'] }, 'url'],
      [{ url: `https://example.com/${'x'.repeat(2100)}`, kinds: ['credits.low'] }, 'url'],
      [{ url: 'https://example.com/x', kinds: ['credits.gone'] }, 'kinds'],
      [{ url: 'https://example.com/x', kinds: [] }, 'kinds'],
      [{ url: 'https://example.com/x', kinds: ['credits.low', 'credits.low'] }, 'kinds'],
      [{ url: 'https://example.com/x', kinds: ['credits.low'], secret: 'mine' }, 'secret'],
      [{ url: 'https://example.com/x' }, 'kinds'],
    ];
    for (const [body, field] of cases) {
      const res = await ledger
        .as('admin')
        .post('/v1/webhooks', { webhookId: 'wh-bad', ...body })
        .expect(400);
      expect((res.body.fields as { field: string }[]).map((f) => f.field)).toContain(field);
    }
    const strict = await startTestLedger({}, { engine });
    try {
      for (const url of [
        'http://127.0.0.1:8080/x',
        'http://localhost/x',
        'http://10.0.0.5/x',
        'http://[::1]/x',
      ]) {
        const res = await strict
          .as('admin')
          .post('/v1/webhooks', { webhookId: 'wh-bad', url, kinds: ['credits.low'] })
          .expect(400);
        expect(res.body.fields).toEqual([
          { field: 'url', message: expect.stringMatching(/private or loopback/) },
        ]);
      }
    } finally {
      await strict.close();
      removeDir(strict.dataDir);
    }
    // Nothing was registered under the id: registering it now is a first time (201), not a replay.
    await ledger
      .as('admin')
      .post('/v1/webhooks', { webhookId: 'wh-bad', url: 'https://example.com/x', kinds: ['credits.low'] })
      .expect(201);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function waitForDelivered(
  ledger: TestLedger,
  webhookId: string,
  n: number,
): Promise<{ status: string; [key: string]: unknown }[]> {
  let items: { status: string }[] = [];
  await waitUntil(async () => {
    const res = await ledger.as('admin').get(`/v1/webhooks/${webhookId}/deliveries`).expect(200);
    items = res.body.items as { status: string }[];
    return items.filter((i) => i.status === 'delivered').length >= n;
  });
  return items as { status: string; [key: string]: unknown }[];
}

describe.each(ENGINES)('webhooks across a restart (e2e) [%s]', (engine) => {
  it('resumes from the durable delivery state: the pending retry is made by the restarted ledger', async () => {
    const receiver = await startReceiver();
    let ledger = await startTestLedger(
      { LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true', LEDGER_WEBHOOK_POLL_MS: '20' },
      { engine },
    );
    try {
      receiver.answer.status = 500;
      await ledger.as('service').post('/v1/accounts', { accountId: 'acct-s', plan: 'plus' }).expect(201);
      const hook = await ledger
        .as('admin')
        .post('/v1/webhooks', { webhookId: 'wh-s', url: receiver.url, kinds: ['window.threshold'] })
        .expect(201);
      await ledger
        .as('service')
        .post('/v1/usage', {
          usageId: 's-1',
          accountId: 'acct-s',
          product: 'codex',
          operation: 'local_message',
          quantity: 120,
        })
        .expect(201);
      await receiver.count(1);
      const deliveries = async () =>
        (await ledger.as('admin').get('/v1/webhooks/wh-s/deliveries').expect(200)).body.items as Record<
          string,
          unknown
        >[];
      await waitUntil(async () => (await deliveries())[0]?.attempts === 1);

      ledger = await ledger.restart();
      receiver.answer.status = 200;
      const [pending] = await deliveries();
      expect(pending).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500 });
      await ledger.advanceClock(retryDelayMs(pending.deliveryId as string, 1));
      await receiver.count(2);
      await waitForDelivered(ledger, 'wh-s', 1);
      expect((await deliveries())[0]).toMatchObject({ status: 'delivered', attempts: 2 });
      const [first, second] = receiver.received.map((r) => JSON.parse(r.body) as { notificationId: string });
      expect(second.notificationId).toBe(first.notificationId);
      // The secret survived the restart (sealed in the log, the key file in the data dir).
      const now =
        Math.floor(Date.parse(CLOCK_START) / 1000) +
        Math.floor(retryDelayMs(pending.deliveryId as string, 1) / 1000);
      expect(
        verifyWebhookSignature(
          hook.body.secret as string,
          receiver.received[1].headers['ledger-signature'] as string,
          receiver.received[1].body,
          now,
        ),
      ).toBe(true);
      expect(receiver.received).toHaveLength(2);
    } finally {
      await ledger.close();
      await receiver.close();
      removeDir(ledger.dataDir);
    }
  });
});

describe('webhooks on two nodes of one EventStoreDB (e2e)', () => {
  it('one dispatcher at a time (the lease): each notification is sent once; the other node takes over when it stops', async () => {
    const receiver = await startReceiver();
    const double = await startEsdbDouble();
    const env = {
      LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true',
      LEDGER_WEBHOOK_POLL_MS: '20',
      LEDGER_WEBHOOK_KEY: 'a-deployment-key-of-at-least-32-characters',
    };
    const a = await startTestLedger(env, { engine: 'eventstoredb', double });
    const b = await startTestLedger(env, { engine: 'eventstoredb', double });
    const held = async (node: TestLedger) =>
      /^ledger_webhook_dispatch_lease_held 1$/m.test((await node.http().get('/metrics').expect(200)).text);
    try {
      await a.as('service').post('/v1/accounts', { accountId: 'acct-n', plan: 'plus' }).expect(201);
      await b
        .as('admin')
        .post('/v1/webhooks', { url: receiver.url, kinds: ['window.threshold'] })
        .expect(201);
      await b
        .as('service')
        .post('/v1/usage', {
          usageId: 'n-1',
          accountId: 'acct-n',
          product: 'codex',
          operation: 'local_message',
          quantity: 120,
        })
        .expect(201);
      await receiver.count(1);
      const holders = [await held(a), await held(b)];
      expect(holders.filter(Boolean)).toHaveLength(1);
      const [holder, other] = holders[0] ? [a, b] : [b, a];
      await holder.app.close(); // releases the lease
      await other
        .as('service')
        .post('/v1/usage', {
          usageId: 'n-2',
          accountId: 'acct-n',
          product: 'codex',
          operation: 'local_message',
          quantity: 30,
        })
        .expect(201);
      await receiver.count(2);
      expect(await held(other)).toBe(true);
      const kinds = receiver.received.map(
        (r) => (JSON.parse(r.body) as { data: { thresholdPercent: number } }).data.thresholdPercent,
      );
      expect(kinds).toEqual([80, 100]); // each once
      await other.app.close();
    } finally {
      await a.app.close().catch(() => undefined);
      await b.app.close().catch(() => undefined);
      await double.stop();
      await receiver.close();
      removeDir(a.dataDir);
      removeDir(b.dataDir);
    }
  });
});
