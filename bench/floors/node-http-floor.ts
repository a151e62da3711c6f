import * as http from 'node:http';

/**
 * Floor (a): plain node:http answering POST /v1/usage as the ledger would be answered at best —
 * read the body, JSON.parse it, answer 201 with a small JSON — and nothing else: no validation, no
 * authentication, no command. What Node itself costs per request on this machine. It also answers
 * the entitlement scenario's GETs with a small JSON, for that scenario's latency floor.
 */
export function startNodeHttpFloor(port: number, host: string): Promise<void> {
  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/health') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (request.method === 'GET' && request.url?.startsWith('/v1/accounts/') === true) {
      // The entitlement scenario's floor: a small JSON answer, no work behind it.
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"allowed":true}');
      return;
    }
    if (request.method !== 'POST' || request.url !== '/v1/usage') {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        usageId: string;
        accountId: string;
      };
      response
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ usageId: body.usageId, accountId: body.accountId, status: 'recorded' }));
    });
  });
  server.keepAliveTimeout = 60_000;
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  return new Promise((resolve) => server.listen(port, host, resolve));
}
