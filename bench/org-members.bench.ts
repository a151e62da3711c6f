import type { Figure } from './bench-report';
import type { HttpBenchSizes } from './http.bench';
import { BENCH_SERVICE_KEY, startLedgerServer } from './http/ledger-server';
import { allOk, runLoad, runMeasuredLoad, type MeasuredLoad } from './http/load-client';
import type { LoadJob } from './http/load-job';

/** Issue 18: members of one organisation spending at once. */
export const ORG_MEMBERS = 1_000;
const ORG_ID = 'bench-org';
const POOL_CREDITS = 1_000_000n;
/** What one request's usage costs: 1,000 gpt-5.5 output tokens at 0.00075 (config/rate-card.json). */
const CREDITS_PER_USAGE_MICRO = 750_000n;

/**
 * `http_member_usage_per_s`: 1,000 members of one organisation (plan business, a default spend
 * limit) sending `POST /v1/usage` of token lines (no allowance: every usage is paid from the pool)
 * as fast as the server answers. Each one is a reservation on the pool's stream (checked there
 * against the pool and the member's month), the usage on the member's stream, then the
 * settlement on the pool's stream again: the one stream every request goes through twice.
 * Beside it, in the same server and the same run, its floor `http_member_usage_floor_per_s`: the
 * same requests from 1,000 accounts that are in no organisation and pay from their own credits (one
 * append on their own stream, no shared stream). After the runs the pool must have been charged for
 * exactly the usages answered 201 (a fast wrong answer is not throughput).
 */
export async function benchMemberUsage(root: string, sizes: HttpBenchSizes): Promise<Figure[]> {
  const server = await startLedgerServer(root);
  try {
    const setupStarted = Date.now();
    await setUpOrganisation(server.url);
    const setupS = (Date.now() - setupStarted) / 1000;
    const job = (prefix: string, runTag: string, durationS: number): LoadJob => ({
      url: server.url,
      apiKey: BENCH_SERVICE_KEY,
      scenario: { kind: 'members', accounts: ORG_MEMBERS, prefix, runTag },
      connections: sizes.usageConnections,
      durationS,
    });
    const warmMembers = allOk('members warm-up', await runLoad(job('member', 'mwarm', sizes.warmupS)));
    allOk('solo warm-up', await runLoad(job('solo', 'swarm', sizes.warmupS)));
    const solo = await runMeasuredLoad('solo overage', server.pid, job('solo', 'srun', sizes.durationS));
    const members = await runMeasuredLoad('member usage', server.pid, job('member', 'mrun', sizes.durationS));
    // Each of the two member runs may leave one request per connection in flight when it stops.
    await expectPoolCharged(server.url, warmMembers.ok + members.result.ok, 2 * sizes.usageConnections);
    return memberFigures(sizes, members, solo, setupS);
  } finally {
    await server.stop();
  }
}

function memberFigures(
  sizes: HttpBenchSizes,
  members: MeasuredLoad,
  solo: MeasuredLoad,
  setupS: number,
): Figure[] {
  const rate = (run: MeasuredLoad) => Math.round(run.result.ok / run.result.durationS);
  const ms = (v: number) => v.toFixed(2);
  const load = `${ORG_MEMBERS} accounts, POST /v1/usage of 1,000 gpt-5.5 output tokens (0.75 credits, no allowance), autocannon in a second process, ${sizes.durationS} s, ${sizes.usageConnections} connections (after ${sizes.warmupS} s warm-up); set-up ${setupS.toFixed(1)} s`;
  const memberRun = `p50 ${ms(members.result.latencyMs.p50)} / p99 ${ms(members.result.latencyMs.p99)} ms; ${members.cpu}`;
  const soloRun = `p50 ${ms(solo.result.latencyMs.p50)} / p99 ${ms(solo.result.latencyMs.p99)} ms; ${solo.cpu}`;
  return [
    {
      name: 'http_member_usage_per_s',
      value: rate(members),
      unit: 'req/s',
      note: `members of one organisation (business plan, default spend limit), each usage reserve on the pool stream → usage on the member stream → settle on the pool stream; ${load}; ${memberRun}; pool appends ${2 * rate(members)}/s`,
    },
    {
      name: 'http_member_usage_p99_ms',
      value: members.result.latencyMs.p99,
      unit: 'ms',
      note: `the run of http_member_usage_per_s; ${memberRun}`,
    },
    {
      name: 'http_member_usage_floor_per_s',
      value: rate(solo),
      unit: 'req/s',
      note: `the floor of http_member_usage_per_s, same server, same run, just before it: the same usage by ${ORG_MEMBERS} accounts in no organisation paying from their own credits (one append on their own stream); ${load}; ${soloRun}`,
    },
    {
      name: 'http_member_usage_vs_floor',
      value: rate(solo) === 0 ? 0 : rate(members) / rate(solo),
      unit: 'ratio',
      note: 'http_member_usage_per_s / http_member_usage_floor_per_s (same run)',
    },
  ];
}

async function send(url: string, method: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${BENCH_SERVICE_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (response.status !== 201 && response.status !== 200)
    throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 500)}`);
}

/** `count` requests, at most `inFlight` at a time, each checked. */
async function each(count: number, request: (i: number) => Promise<void>, inFlight = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await request(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

/** The organisation with its members and pool, and the floor's accounts with their own credits. */
async function setUpOrganisation(url: string): Promise<void> {
  await send(url, 'POST', '/v1/organizations', {
    organizationId: ORG_ID,
    plan: 'business',
    name: 'Bench Corp',
  });
  await send(url, 'POST', `/v1/organizations/${ORG_ID}/credits/purchases`, {
    purchaseId: 'bench-pool',
    credits: String(POOL_CREDITS),
    amountPaid: { amountMinor: 100_000_000, currency: 'USD' },
  });
  await send(url, 'PUT', `/v1/organizations/${ORG_ID}/spend-limits/default`, { creditsPerMonth: '1000' });
  await each(ORG_MEMBERS, async (i) => {
    await send(url, 'POST', '/v1/accounts', { accountId: `member-${i}`, plan: 'plus' });
    await send(url, 'PUT', `/v1/organizations/${ORG_ID}/members/member-${i}`, {});
    await send(url, 'POST', '/v1/accounts', { accountId: `solo-${i}`, plan: 'plus' });
    await send(url, 'POST', `/v1/accounts/solo-${i}/credits/purchases`, {
      purchaseId: `solo-${i}-p`,
      credits: '1000',
      amountPaid: { amountMinor: 1_000, currency: 'USD' },
    });
  });
}

/**
 * The pool as the read side has it once it reached the log's head, after the runs: nothing left
 * held (a request autocannon stopped waiting for still completes on the server: polled, bounded),
 * balance + used = what was bought, and used = 0.75 × the usages the pool paid, which is at least
 * every one answered 201 and at most that plus the requests in flight when the two runs ended.
 */
async function expectPoolCharged(url: string, answered: number, inFlightBound: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const health = (await (await fetch(`${url}/health`)).json()) as { position: string };
    const response = await fetch(`${url}/v1/organizations/${ORG_ID}?minPosition=${health.position}`, {
      headers: { authorization: `Bearer ${BENCH_SERVICE_KEY}` },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const late = Date.now() - started > 300_000;
    // 503: the read models are still behind the head after a bounded wait; ask again (bounded).
    if (response.status === 503 && !late) continue;
    const body = response.ok
      ? (JSON.parse(text) as { credits?: { balance?: string; held?: string; grants?: { used?: string }[] } })
      : {};
    if (body.credits?.held !== '0' && response.ok && !late) {
      await new Promise((resolve) => setTimeout(resolve, 200)); // requests still completing on the server
      continue;
    }
    const micro = (s: string | undefined) => {
      const [whole, fraction = ''] = (s ?? 'x').split('.');
      return BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
    };
    const balance = micro(body.credits?.balance);
    const used = micro(body.credits?.grants?.[0]?.used);
    const paid = used / CREDITS_PER_USAGE_MICRO;
    const ok =
      body.credits?.held === '0' &&
      balance + used === POOL_CREDITS * 1_000_000n &&
      used % CREDITS_PER_USAGE_MICRO === 0n &&
      paid >= BigInt(answered) &&
      paid <= BigInt(answered + inFlightBound);
    if (!ok)
      throw new Error(
        `the pool after the member runs: ${response.status} ${text.slice(0, 500)}; expected held 0, balance + used = ${POOL_CREDITS}, used = 0.75 × between ${answered} and ${answered + inFlightBound} usages`,
      );
    return;
  }
}
