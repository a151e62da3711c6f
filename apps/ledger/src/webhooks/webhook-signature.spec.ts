import { createHmac } from 'node:crypto';
import { verifyWebhookSignature, webhookSignature } from './webhook-signature';

describe('Ledger-Signature (API.md)', () => {
  const body = '{"notificationId":"ntf_1","kind":"topup.requested"}';

  it('is t=<seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>', () => {
    const expected = createHmac('sha256', 'whsec').update(`1764590400.${body}`).digest('hex');
    expect(webhookSignature('whsec', 1764590400, body)).toBe(`t=1764590400,v1=${expected}`);
  });

  it('verifies the same bytes and secret within the tolerance, and nothing else', () => {
    const header = webhookSignature('whsec', 1000, body);
    expect(verifyWebhookSignature('whsec', header, body, 1100)).toBe(true);
    expect(verifyWebhookSignature('other', header, body, 1100)).toBe(false);
    expect(verifyWebhookSignature('whsec', header, `${body} `, 1100)).toBe(false);
    expect(verifyWebhookSignature('whsec', header, body, 1000 + 301)).toBe(false);
    expect(verifyWebhookSignature('whsec', header.replace('t=1000', 't=1001'), body, 1001)).toBe(false);
    expect(verifyWebhookSignature('whsec', 'v1=abc', body, 1000)).toBe(false);
  });

  it('refuses a t that is not whole unix seconds', () => {
    expect(() => webhookSignature('s', 1.5, body)).toThrow(RangeError);
  });
});
