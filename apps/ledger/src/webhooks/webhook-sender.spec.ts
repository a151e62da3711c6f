import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardedLookup, sendWebhook } from './webhook-sender';

/** A local receiver that answers `status` after `delayMs` (never, when null). */
async function receiver(status: number, delayMs: number | null) {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      if (delayMs !== null) setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    bodies,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('one delivery attempt (sendWebhook)', () => {
  it('POSTs the body with the headers and reports the status code', async () => {
    const r = await receiver(202, 0);
    try {
      const sent = await sendWebhook(
        `http://127.0.0.1:${r.port}/h`,
        '{"a":1}',
        { 'ledger-signature': 't=1,v1=x' },
        {
          timeoutMs: 2_000,
          allowPrivate: true,
        },
      );
      expect(sent).toEqual({ statusCode: 202, error: null });
      expect(r.bodies).toEqual(['{"a":1}']);
    } finally {
      await r.close();
    }
  });

  it('gives up on a receiver slower than the timeout (no status code)', async () => {
    const r = await receiver(200, null);
    try {
      const sent = await sendWebhook(
        `http://127.0.0.1:${r.port}/h`,
        '{}',
        {},
        { timeoutMs: 150, allowPrivate: true },
      );
      expect(sent).toEqual({ statusCode: null, error: 'no answer within 150 ms' });
    } finally {
      await r.close();
    }
  });

  it('refuses a private target unless allowed, before connecting', async () => {
    const r = await receiver(200, 0);
    try {
      for (const url of [`http://127.0.0.1:${r.port}/h`, `http://localhost.:${r.port}/h`]) {
        const sent = await sendWebhook(url, '{}', {}, { timeoutMs: 1_000, allowPrivate: false });
        expect(sent).toEqual({
          statusCode: null,
          error: expect.stringMatching(/^target refused: url must not point at a private/),
        });
      }
      expect(r.bodies).toEqual([]);
    } finally {
      await r.close();
    }
  });

  it('checks the addresses a name resolves to at connection time (DNS rebinding)', async () => {
    const lookup = (allowPrivate: boolean) =>
      new Promise<{ error: (Error & { code?: string }) | null; address: unknown }>((resolve) =>
        guardedLookup(allowPrivate)('localhost', {}, (error, address) => resolve({ error, address })),
      );
    const refused = await lookup(false);
    expect(refused.error?.code).toBe('ETARGETPRIVATE');
    expect(refused.error?.message).toMatch(/localhost resolves to a private or loopback address/);
    const allowed = await lookup(true);
    expect(allowed.error).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(allowed.address);
  });
});
