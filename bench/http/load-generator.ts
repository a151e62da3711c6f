import type { LoadJob, LoadReply, LoadResult, LoadScenario } from './load-job';

/**
 * The load generator: a forked process that runs one autocannon job and answers with its figures.
 * It runs apart from the bench so the ledger server gets a core of its own and the load's CPU
 * never counts against the server. Request bodies are made here, request by request, because
 * functions cannot cross the IPC channel.
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
  overallRate?: number;
  timeout: number;
  requests: {
    method: string;
    path: string;
    headers: Record<string, string>;
    setupRequest: (request: AutocannonRequest) => AutocannonRequest;
  }[];
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

/** The method, path and body of request number `n` of a scenario. */
function requestOf(scenario: LoadScenario, n: number): { method: string; path: string; body?: string } {
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
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function runJob(job: LoadJob): Promise<LoadResult> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${job.apiKey}`,
    'content-type': 'application/json',
  };
  const first = requestOf(job.scenario, 0);
  let next = 0;
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: job.durationS,
        amount: job.amount,
        overallRate: job.overallRate,
        timeout: 30,
        requests: [
          {
            method: first.method,
            path: first.path,
            headers,
            setupRequest: (request) => ({ ...request, ...requestOf(job.scenario, next++), headers }),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const sorted = Float64Array.from(latencies).sort();
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
          latencyMs: {
            p50: percentile(sorted, 50),
            p99: percentile(sorted, 99),
            max: sorted.length > 0 ? sorted[sorted.length - 1] : 0,
          },
          autocannonP99Ms: result.latency.p99,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300 && latencies.length < MAX_LATENCY_SAMPLES) {
        latencies.push(responseTimeMs);
      }
    });
  });
}

process.once('message', (job: LoadJob) => {
  runJob(job).then(
    (result) => process.send?.({ ok: true, result } satisfies LoadReply, () => process.exit(0)),
    (error: unknown) =>
      process.send?.({ ok: false, error: String(error) } satisfies LoadReply, () => process.exit(1)),
  );
});
