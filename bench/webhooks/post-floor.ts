import * as http from 'node:http';
import { webhookSignature } from '../../apps/ledger/src/webhooks/webhook-signature';

/**
 * The floor under `webhook_deliveries_per_s`: signed POSTs of the same bodies to the same receiver
 * from plain `node:http`, `concurrency` requests in flight, nothing else — no log, no read model, no
 * delivery state. With `keepAlive` the connections are reused (the best a sender can do); without,
 * each POST opens its own connection, as the dispatcher does (`agent: false` in webhook-sender.ts).
 */
export async function postFloorPerSecond(
  url: string,
  secret: string,
  bodies: readonly string[],
  options: { readonly concurrency: number; readonly keepAlive: boolean },
): Promise<{ perSecond: number; failures: number }> {
  if (bodies.length === 0) throw new Error('no bodies to post');
  const concurrency = options.concurrency;
  const agent = options.keepAlive ? new http.Agent({ keepAlive: true, maxSockets: concurrency }) : false;
  const target = new URL(url);
  let next = 0;
  let failures = 0;
  const post = (body: string) =>
    new Promise<void>((resolve) => {
      const request = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'ledger-signature': webhookSignature(secret, Math.floor(Date.now() / 1000), body),
          },
        },
        (response) => {
          if (response.statusCode === undefined || response.statusCode >= 300) failures += 1;
          response.resume();
          response.on('end', resolve);
        },
      );
      request.on('error', () => {
        failures += 1;
        resolve();
      });
      request.end(body);
    });
  const started = performance.now();
  const worker = async () => {
    while (next < bodies.length) await post(bodies[next++]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (agent !== false) agent.destroy();
  return { perSecond: bodies.length / seconds, failures };
}
