import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Ledger-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>` (API.md,
 * SPEC §8). `t` is the ledger clock's time of the attempt (a simulated clock moves it). The body is
 * signed exactly as sent: the caller passes the bytes it will POST.
 */
export function webhookSignature(secret: string, unixSeconds: number, rawBody: string): string {
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0)
    throw new RangeError('t must be whole unix seconds');
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/**
 * What a consumer does (and what tests check deliveries with): parse the header, recompute, compare
 * in constant time, and refuse a `t` further than `toleranceSeconds` from its own clock.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string,
  rawBody: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header);
  if (match === null) return false;
  const t = Number(match[1]);
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(webhookSignature(secret, t, rawBody).slice(`t=${t},v1=`.length), 'hex');
  return timingSafeEqual(expected, Buffer.from(match[2], 'hex'));
}
