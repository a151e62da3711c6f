import * as http from 'node:http';
import type { LatencyMs, LoadJob, LoadReply, LoadResult, LoadScenario } from './load-job';

/**
 * The load generator: a forked process that runs one job and answers with its figures. It runs
 * apart from the bench so the ledger server gets a core of its own and the load's CPU never counts
 * against the server. Request bodies are made here, request by request, because functions cannot
 * cross the IPC channel. Closed-loop jobs (as fast as the server answers) run on autocannon; jobs
 * at a set rate run on the paced sender below (see runPaced for why not autocannon's rate).
 */

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  timeout: number;
  requests: {
    method: string;
    path: string;
    headers: Record<string, string>;
    setupRequest: (request: AutocannonRequest, context: CycleContext) => AutocannonRequest;
  }[];
}

/** autocannon's per-connection context: reset when a connection starts its list of requests again. */
interface CycleContext {
  n?: number;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p99: number };
}

interface AutocannonInstance {
  on(
    event: 'response',
    listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void,
  ): void;
}

type Autocannon = (
  options: AutocannonOptions,
  done: (error: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

// autocannon ships no types; the shapes above are the parts of its documented API used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

/** Bounded: a full-size run keeps well under this many samples; past it, the tail would still be fair. */
const MAX_LATENCY_SAMPLES = 5_000_000;

/** Spreads request numbers over accounts like independent clients would, not in lockstep order. */
function accountOf(n: number, accounts: number): string {
  return `acct-${(Math.imul(n + 1, 0x9e3779b1) >>> 0) % accounts}`;
}

function usageBody(accountId: string, usageId: string): string {
  return JSON.stringify({ usageId, accountId, product: 'codex', operation: 'local_message', quantity: 1 });
}

type HttpRequest = { method: string; path: string; body?: string };

/** The names of the requests each connection sends in turn: one for most scenarios. */
function stepsOf(scenario: LoadScenario): readonly string[] {
  return scenario.kind === 'holds' ? HOLD_STEPS : ['request'];
}

/**
 * A plain usage, a second plain usage (with the first, the floor pair: two durable round trips of
 * the cheapest command, back to back), then a hold placed and settled.
 */
const HOLD_STEPS = ['usage', 'usage2', 'place', 'settle'] as const;

/** The method, path and body of step `step` of cycle number `n` of a scenario. */
function requestOf(scenario: LoadScenario, n: number, step = 0): HttpRequest {
  switch (scenario.kind) {
    case 'usage':
      return {
        method: 'POST',
        path: '/v1/usage',
        body: usageBody(accountOf(n, scenario.accounts), `${scenario.runTag}-${n}`),
      };
    case 'batch': {
      const first = n * scenario.recordsPerRequest;
      const records: string[] = [];
      for (let i = first; i < first + scenario.recordsPerRequest; i++) {
        records.push(usageBody(accountOf(i, scenario.accounts), `${scenario.runTag}-${i}`));
      }
      return { method: 'POST', path: '/v1/usage/batch', body: `{"records":[${records.join(',')}]}` };
    }
    case 'entitlement':
      return {
        method: 'GET',
        path: `/v1/accounts/${accountOf(n, scenario.accounts)}/entitlements?product=codex&operation=local_message&quantity=1`,
      };
    case 'holds':
      return holdCycleRequest(scenario, n, HOLD_STEPS[step]);
    case 'members': {
      const accountId = accountOf(n, scenario.accounts).replace('acct-', `${scenario.prefix}-`);
      const usageId = `${scenario.runTag}-${n}`;
      const body = {
        usageId,
        accountId,
        product: 'codex',
        operation: 'gpt-5.5:output_tokens',
        quantity: 1_000,
      };
      return { method: 'POST', path: '/v1/usage', body: JSON.stringify(body) };
    }
  }
}

/**
 * A hold sized like a task's estimate (two messages), settled with the real count (one): the
 * settlement consumes one unit from the hold and releases the other. The same operation as the
 * plain usage beside it, so the two are compared on the same work.
 */
function holdCycleRequest(
  scenario: Extract<LoadScenario, { kind: 'holds' }>,
  n: number,
  step: (typeof HOLD_STEPS)[number],
): HttpRequest {
  const accountId = accountOf(n, scenario.accounts);
  const holdId = `${scenario.runTag}-hold-${n}`;
  switch (step) {
    case 'usage':
    case 'usage2':
      return {
        method: 'POST',
        path: '/v1/usage',
        body: usageBody(accountId, `${scenario.runTag}-${step}-${n}`),
      };
    case 'place':
      return {
        method: 'POST',
        path: '/v1/holds',
        body: JSON.stringify({
          holdId,
          accountId,
          product: 'codex',
          lines: [{ operation: 'local_message', quantity: 2 }],
          ttlSeconds: 600,
        }),
      };
    case 'settle':
      return {
        method: 'POST',
        path: `/v1/holds/${holdId}/settlement`,
        body: JSON.stringify({
          usageId: `${scenario.runTag}-settle-${n}`,
          lines: [{ operation: 'local_message', quantity: 1 }],
        }),
      };
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function runJob(job: LoadJob): Promise<Omit<LoadResult, 'cpuMs'>> {
  if (job.overallRate === undefined) return runClosedLoop(job);
  if (stepsOf(job.scenario).length > 1) throw new Error(`${job.scenario.kind}: closed loop only`);
  return runPaced(job, job.overallRate);
}

/** The headers of every request of a job. */
function headersOf(job: LoadJob): Record<string, string> {
  return { authorization: `Bearer ${job.apiKey}`, 'content-type': 'application/json' };
}

/** p50, p99 and max of the 2xx responses' latencies, in ms. */
function latencySummary(latencies: readonly number[]): LatencyMs {
  const sorted = Float64Array.from(latencies).sort();
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1] : 0,
  };
}

/**
 * Closed loop: each connection sends the steps of its scenario in turn (one request for most; the
 * holds cycle's three share one cycle number, so place and settle name the same hold), each as
 * soon as the one before it answered.
 */
function runClosedLoop(job: LoadJob): Promise<Omit<LoadResult, 'cpuMs'>> {
  const headers = headersOf(job);
  const steps = stepsOf(job.scenario);
  let next = 0;
  const latencies: number[] = [];
  const byStep = new StepLatencies(steps);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.durationS,
        amount: job.amount,
        timeout: 30,
        requests: steps.map((_, step) => {
          const first = requestOf(job.scenario, 0, step);
          return {
            method: first.method,
            path: first.path,
            headers,
            setupRequest: (request, context) => {
              if (step === 0) context.n = next++;
              return { ...request, ...requestOf(job.scenario, context.n ?? 0, step), headers };
            },
          };
        }),
      },
      (error, result) => {
        if (error) return reject(error);
        const statusCounts: Record<string, number> = {};
        let responses = 0;
        let ok = 0;
        for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
          statusCounts[status] = count;
          responses += count;
          if (status.startsWith('2')) ok += count;
        }
        resolve({
          responses,
          ok,
          statusCounts,
          errors: result.errors,
          timeouts: result.timeouts,
          durationS: result.duration,
          latencyMs: latencySummary(latencies),
          ...(steps.length > 1 ? { steps: byStep.summary() } : {}),
        });
      },
    );
    instance.on('response', (client, statusCode, _bytes, responseTimeMs) => {
      const ok = statusCode >= 200 && statusCode < 300;
      if (ok && latencies.length < MAX_LATENCY_SAMPLES) latencies.push(responseTimeMs);
      if (steps.length > 1) byStep.record(client, ok, responseTimeMs);
    });
  });
}

/**
 * Latencies per step of a cycle. With one request in flight per connection, a connection's
 * responses come in the order of its steps, so the n-th response of a connection is step n mod
 * steps. `pair`: a hold's place + settle on one connection (both 2xx), the two round trips;
 * `usagePair`: the cycle's two plain usages (usage + usage2) the same way, the pair's floor.
 */
class StepLatencies {
  private readonly seen = new Map<unknown, { count: number; firstMs: Record<string, number | null> }>();
  private readonly samples = new Map<string, number[]>();
  /** Each pair: the step that starts it, the step that ends it. */
  private static readonly PAIRS = [
    { name: 'pair', first: 'place', second: 'settle' },
    { name: 'usagePair', first: 'usage', second: 'usage2' },
  ];

  constructor(private readonly steps: readonly string[]) {
    for (const step of [...steps, ...StepLatencies.PAIRS.map((pair) => pair.name)])
      this.samples.set(step, []);
  }

  record(client: unknown, ok: boolean, ms: number): void {
    const connection = this.seen.get(client) ?? { count: 0, firstMs: {} };
    this.seen.set(client, connection);
    const step = this.steps[connection.count % this.steps.length];
    connection.count += 1;
    if (ok) this.push(step, ms);
    for (const pair of StepLatencies.PAIRS) {
      if (step === pair.first) connection.firstMs[pair.name] = ok ? ms : null;
      if (step !== pair.second) continue;
      const firstMs = connection.firstMs[pair.name] ?? null;
      if (ok && firstMs !== null) this.push(pair.name, firstMs + ms);
      connection.firstMs[pair.name] = null;
    }
  }

  summary(): Record<string, { ok: number; latencyMs: LatencyMs }> {
    return Object.fromEntries(
      [...this.samples].map(([step, ms]) => [step, { ok: ms.length, latencyMs: latencySummary(ms) }]),
    );
  }

  private push(step: string, ms: number): void {
    const list = this.samples.get(step);
    if (list !== undefined && list.length < MAX_LATENCY_SAMPLES) list.push(ms);
  }
}

/**
 * Open loop at a steady rate: request n is due at start + n / rate, whatever happened to the
 * requests before it, and its latency runs from that due time to the end of its response — so a
 * server (or client) stall delays every request due during it, and they all count (no coordinated
 * omission). autocannon's overallRate is not this: each connection sends back to back until it has
 * used its share of the second, then idles until the next second, so "1,000 req/s over 10
 * connections" is a burst of 10 concurrent requests at full speed for part of each second — a
 * measure of queueing under saturation, not of latency at a rate.
 */
function runPaced(job: LoadJob, rate: number): Promise<Omit<LoadResult, 'cpuMs'>> {
  const url = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const headers = headersOf(job);
  const total = job.amount ?? Math.round(rate * (job.durationS ?? 10));
  const intervalMs = 1000 / rate;
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let responses = 0;
  let errors = 0;
  let sent = 0;
  let settled = 0;
  const started = performance.now();
  return new Promise((resolve) => {
    const finish = () => {
      agent.destroy();
      const ok = Object.entries(statusCounts)
        .filter(([status]) => status.startsWith('2'))
        .reduce((sum, [, count]) => sum + count, 0);
      resolve({
        responses,
        ok,
        statusCounts,
        errors,
        timeouts: 0,
        durationS: (performance.now() - started) / 1000,
        latencyMs: latencySummary(latencies),
      });
    };
    const settle = () => {
      settled += 1;
      if (settled === total) finish();
    };
    const send = (n: number, dueAt: number) => {
      const { method, path, body } = requestOf(job.scenario, n);
      const request = http.request(
        { host: url.hostname, port: url.port, method, path, headers, agent, timeout: 30_000 },
        (response) => {
          response.on('data', () => undefined);
          response.on('end', () => {
            responses += 1;
            const status = String(response.statusCode);
            statusCounts[status] = (statusCounts[status] ?? 0) + 1;
            if (status.startsWith('2') && latencies.length < MAX_LATENCY_SAMPLES)
              latencies.push(performance.now() - dueAt);
            settle();
          });
        },
      );
      request.on('error', () => {
        errors += 1;
        settle();
      });
      request.end(body);
    };
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - started) / intervalMs) + 1);
      for (; sent < due; sent++) send(sent, started + sent * intervalMs);
      if (sent < total) setTimeout(tick, Math.max(0, started + sent * intervalMs - performance.now()));
    };
    if (total === 0) finish();
    else tick();
  });
}

process.once('message', (job: LoadJob) => {
  const cpuBefore = process.cpuUsage();
  runJob(job).then(
    (figures) => {
      const cpu = process.cpuUsage(cpuBefore);
      const result: LoadResult = { ...figures, cpuMs: (cpu.user + cpu.system) / 1000 };
      process.send?.({ ok: true, result } satisfies LoadReply, () => process.exit(0));
    },
    (error: unknown) =>
      process.send?.({ ok: false, error: String(error) } satisfies LoadReply, () => process.exit(1)),
  );
});
