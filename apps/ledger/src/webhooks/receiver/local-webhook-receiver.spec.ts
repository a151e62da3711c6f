import { webhookSignature } from '../webhook-signature';
import { LocalWebhookReceiver } from './local-webhook-receiver';

/** The test receiver over real HTTP: it verifies what the ledger's signer produces, and really goes down. */
describe('LocalWebhookReceiver', () => {
  const secret = 'whsec_local';
  const now = 1_793_491_200_000;
  const notification = (id: string) => ({
    notificationId: id,
    kind: 'credits.low',
    accountId: 'a-1',
    occurredAt: new Date(now).toISOString(),
    position: '7',
    data: { balance: '4', threshold: '5' },
  });
  const post = (receiver: LocalWebhookReceiver, body: string, header?: string) =>
    fetch(receiver.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(header ? { 'ledger-signature': header } : {}) },
      body,
    });
  let receiver: LocalWebhookReceiver;

  beforeEach(async () => {
    receiver = await LocalWebhookReceiver.start({ now: () => now });
    receiver.useSecret(secret);
  });
  afterEach(() => receiver.close());

  it('answers 204 to a signed delivery and records it verified; 401 to a bad signature', async () => {
    const body = JSON.stringify(notification('ntf_1'));
    const good = await post(receiver, body, webhookSignature(secret, now / 1000, body));
    expect(good.status).toBe(204);
    const bad = await post(receiver, body, webhookSignature('other', now / 1000, body));
    expect(bad.status).toBe(401);
    const unsigned = await post(receiver, body);
    expect(unsigned.status).toBe(401);
    expect(receiver.requests.map((r) => [r.seq, r.status, r.signature])).toEqual([
      [1, 204, { valid: true, timestamp: now / 1000 }],
      [2, 401, { valid: false, reason: 'mismatch' }],
      [3, 401, { valid: false, reason: 'malformed' }],
    ]);
    expect(receiver.delivered().map((n) => n.notificationId)).toEqual(['ntf_1']);
  });

  it('answers what it is told, refuses connections while down, and comes back on the same url', async () => {
    const body = JSON.stringify(notification('ntf_2'));
    const header = webhookSignature(secret, now / 1000, body);
    receiver.answerWith(500);
    expect((await post(receiver, body, header)).status).toBe(500);
    const url = receiver.url;
    await receiver.goDown();
    await expect(post(receiver, body, header)).rejects.toThrow();
    await receiver.comeBack();
    receiver.answerWith((n) => (n?.notificationId === 'ntf_2' ? 200 : 500));
    expect(receiver.url).toBe(url);
    const waited = receiver.waitUntil(() => receiver.delivered().length === 1, 'ntf_2 delivered');
    expect((await post(receiver, body, header)).status).toBe(200);
    await waited;
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 200]);
  });

  it('holds requests unanswered until released, and notes a sender that hung up meanwhile', async () => {
    const body = JSON.stringify(notification('ntf_3'));
    const header = webhookSignature(secret, now / 1000, body);
    receiver.hold();
    const gone = new AbortController();
    const first = post(receiver, body, header);
    const abandoned = fetch(receiver.url, {
      method: 'POST',
      headers: { 'ledger-signature': header },
      body,
      signal: gone.signal,
    });
    await receiver.waitUntil(() => receiver.inFlight().length === 2, 'two held');
    expect(receiver.delivered()).toEqual([]);
    gone.abort();
    await expect(abandoned).rejects.toThrow();
    await receiver.waitUntil(() => receiver.requests.some((r) => r.senderGone), 'the hang-up seen');
    receiver.release(200);
    expect((await first).status).toBe(200);
    expect(receiver.requests.map((r) => [r.status, r.senderGone])).toEqual([
      [200, false],
      [200, true],
    ]);
    expect(receiver.delivered()).toHaveLength(1);
  });

  it('a wait is bounded: it rejects naming what it waited for', async () => {
    await expect(receiver.waitUntil(() => false, 'nothing', 50)).rejects.toThrow(/waiting for nothing/);
  });
});
