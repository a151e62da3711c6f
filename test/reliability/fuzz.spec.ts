import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { FUZZ_ACCOUNT, FUZZ_PURCHASE, badBodyRequest, type FuzzRequest } from './fuzz/fuzz-requests';
import * as protocol from './fuzz/fuzz-protocol';
import * as reads from './fuzz/fuzz-reads-and-bounds';
import type { HttpAnswer } from './support/http-client';
import { RELIABILITY, reportFigures } from './support/reliability-env';
import { freePort, LedgerServer } from './support/server-process';

// Bad input on every endpoint of API.md: never a 5xx, always a JSON error with a message, and a
// request that must be refused appends nothing (the log's head does not move). RELIABILITY_SEED
// replays a run; RELIABILITY_FUZZ_REQUESTS sets its size.
const SEED = RELIABILITY.seed;
const TOTAL = RELIABILITY.fuzzRequests;
const CHUNK = 200;
const CONCURRENCY = 8;

/** Each generator's requests counted under one name in the figures. */
const tagged = (arbitrary: fc.Arbitrary<FuzzRequest>, kind: string, weight: number) => ({
  arbitrary: arbitrary.map((request) => ({ ...request, kind })),
  weight,
});
const MIX = fc.oneof(
  tagged(badBodyRequest, 'bad field / missing field / unknown field', 40),
  tagged(protocol.badAuthRequest, 'bad auth', 10),
  tagged(protocol.wrongMethodRequest, 'wrong method', 5),
  tagged(protocol.badRawRequest, 'malformed / oversized / deep / bad media type', 6),
  tagged(protocol.wrongShapeRequest, 'body of the wrong shape', 5),
  tagged(protocol.badPathRequest, 'bad path id', 7),
  tagged(protocol.badBatchRequest, 'bad batch', 5),
  tagged(reads.readRequest, 'account reads, random query', 8),
  tagged(reads.financeRequest, 'finance routes', 2),
  tagged(reads.randomBodyRequest, 'random object', 9),
  tagged(reads.boundaryRequest, 'valid at the bounds', 3),
);

describe(`bad input on every endpoint (seed ${SEED})`, () => {
  let dir: string;
  let server: LedgerServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-fuzz-'));
    server = new LedgerServer({
      dataDir: dir,
      port: await freePort(),
      env: { LEDGER_CLOCK: 'simulated', LEDGER_CLOCK_START: '2026-11-01T00:00:00.000Z' },
    });
    await server.start();
    const service = server.client.as('service');
    expect(
      (
        await service({
          method: 'POST',
          path: '/v1/accounts',
          body: { accountId: FUZZ_ACCOUNT, plan: 'plus' },
        })
      ).status,
    ).toBe(201);
    const purchase = {
      purchaseId: FUZZ_PURCHASE,
      credits: '50',
      amountPaid: { amountMinor: 5000, currency: 'USD' },
    };
    expect(
      (
        await service({
          method: 'POST',
          path: `/v1/accounts/${FUZZ_ACCOUNT}/credits/purchases`,
          body: purchase,
        })
      ).status,
    ).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    `answers ${TOTAL} fuzzed requests with no 5xx, clear errors, and no append for refused ones`,
    async () => {
      const failures: string[] = [];
      const byLabel = new Map<string, number>();
      const started = Date.now();
      let sent = 0;
      for (let chunk = 0; sent < TOTAL; chunk += 1) {
        const requests = fc.sample(MIX, { seed: SEED + chunk, numRuns: Math.min(CHUNK, TOTAL - sent) });
        sent += requests.length;
        for (const r of requests) byLabel.set(r.kind, (byLabel.get(r.kind) ?? 0) + 1);
        // Requests that must not append go first, alone, between two reads of the head.
        const strict = requests.filter((r) => r.expect !== 'any');
        const before = await server.client.position();
        const answers = await sendAll(server, strict);
        const after = await server.client.position();
        strict.forEach((r, i) => failures.push(...problemsOf(r, answers[i])));
        if (after !== before)
          failures.push(`chunk ${chunk}: head moved ${before} → ${after}: ${appendedSince(dir, before)}`);
        const loose = requests.filter((r) => r.expect === 'any');
        const looseAnswers = await sendAll(server, loose);
        loose.forEach((r, i) => failures.push(...problemsOf(r, looseAnswers[i])));
        if (failures.length > 50) break;
      }
      expect(failures.slice(0, 20)).toEqual([]);
      // Bad input is the client's fault: not one error-level log line (docs/RELIABILITY.md Finding 9).
      expect(server.errors.split('\n').filter((line) => line !== '')).toEqual([]);
      const seconds = (Date.now() - started) / 1000;
      reportFigures('fuzz', {
        seed: SEED,
        requests: sent,
        seconds,
        requestsPerSecond: Math.round(sent / seconds),
        fiveHundreds: 0,
        byKind: Object.fromEntries(byLabel),
      });
    },
    120_000 + TOTAL * 20,
  );
});

async function sendAll(
  server: LedgerServer,
  requests: readonly FuzzRequest[],
): Promise<(HttpAnswer | Error)[]> {
  const answers: (HttpAnswer | Error)[] = new Array(requests.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < requests.length; i = next++) {
        const r = requests[i];
        answers[i] = await server.client
          .as(r.role)({
            method: r.method,
            path: r.path,
            body: r.body,
            rawBody: r.rawBody,
            headers: r.headers,
            timeoutMs: 30_000,
          })
          .catch((error: Error) => error);
      }
    }),
  );
  return answers;
}

/** What is wrong with an answer, per the contract; empty when it is fine. */
function problemsOf(request: FuzzRequest, answer: HttpAnswer | Error): string[] {
  const what = `${request.label} [${request.method} ${request.path.slice(0, 80)} ${JSON.stringify(request.body ?? request.rawBody?.toString().slice(0, 80))?.slice(0, 160)}]`;
  if (answer instanceof Error) return [`${what}: no answer (${answer.message})`];
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`${what}: ${answer.status} ${answer.raw.slice(0, 300)}`);
  // 402 is a recorded rejection (API.md): its body is the usage outcome, with the reason.
  if (answer.status === 402 && (answer.json as { reason?: unknown } | undefined)?.reason === undefined) {
    problems.push(`${what}: 402 without a rejection reason: ${answer.raw.slice(0, 200)}`);
  } else if (answer.status >= 400 && answer.status !== 402) {
    const message = (answer.json as { message?: unknown } | undefined)?.message;
    if (typeof message !== 'string' || message.trim() === '')
      problems.push(`${what}: ${answer.status} without a JSON message: ${answer.raw.slice(0, 200)}`);
  }
  const items = (answer.json as { results?: { status: number }[] } | undefined)?.results;
  const batchRefused =
    request.path === '/v1/usage/batch' &&
    answer.status === 200 &&
    items?.every((item) => item.status >= 400 && item.status < 500);
  if (items?.some((item) => item.status >= 500))
    problems.push(`${what}: a batch item answered 5xx: ${answer.raw.slice(0, 300)}`);
  if (request.expect === 'refuse' && (answer.status < 400 || answer.status >= 500) && !batchRefused) {
    problems.push(`${what}: must be refused, got ${answer.status} ${answer.raw.slice(0, 200)}`);
  }
  return problems;
}

/** The events appended after `position`, to name the request that appended them. */
function appendedSince(dir: string, position: bigint): string {
  const db = new Database(join(dir, 'events.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('SELECT type, data FROM events WHERE position > ? LIMIT 5').all(position) as {
      type: string;
      data: string;
    }[];
    return rows.map((r) => `${r.type} ${r.data.slice(0, 200)}`).join(' | ');
  } finally {
    db.close();
  }
}
