import type { Figure } from './bench-report';
import { cpuPerUnit, sampleCpu } from './http/cpu-usage';
import { openAccounts, probeBatch, runLoad, waitForReadModels } from './http/load-client';
import type { LoadJob, LoadResult } from './http/load-job';
import { BENCH_SERVICE_KEY, startLedgerServer } from './http/ledger-server';

export interface HttpBenchSizes {
  readonly accounts: number;
  /** Seconds of each measured run. */
  readonly durationS: number;
  /** Seconds of load before the measured runs, so JIT and caches are warm. */
  readonly warmupS: number;
  readonly usageConnections: number;
  readonly batchConnections: number;
  readonly recordsPerBatch: number;
  readonly entitlementRate: number;
  readonly entitlementConnections: number;
}

export const HTTP_FULL: HttpBenchSizes = {
  accounts: 10_000,
  durationS: 15,
  warmupS: 3,
  usageConnections: 32,
  batchConnections: 4,
  recordsPerBatch: 1_000,
  entitlementRate: 1_000,
  entitlementConnections: 10,
};

export const HTTP_QUICK: HttpBenchSizes = { ...HTTP_FULL, accounts: 1_000, durationS: 3, warmupS: 1 };

/**
 * The HTTP figures: the real server (`node dist/apps/ledger/src/main.js`) in one child process,
 * the load generator in another (autocannon for the closed-loop scenarios, a paced open-loop sender
 * for the one at a set rate), only on 127.0.0.1. Every request is checked: a fast 4xx is not
 * throughput.
 */
export async function benchHttp(root: string, sizes: HttpBenchSizes): Promise<Figure[]> {
  const server = await startLedgerServer(root);
  try {
    await openAccounts(server.url, BENCH_SERVICE_KEY, sizes.accounts);
    const job = (scenario: LoadJob['scenario'], extra: Partial<LoadJob>): LoadJob => ({
      url: server.url,
      apiKey: BENCH_SERVICE_KEY,
      scenario,
      connections: sizes.usageConnections,
      durationS: sizes.durationS,
      ...extra,
    });
    const usage = (runTag: string) => ({ kind: 'usage', accounts: sizes.accounts, runTag }) as const;
    // Where the CPU goes during a phase (server threads, load generator): what bounds the figure.
    const measured = async (label: string, load: LoadJob, unitsPerRequest = 1): Promise<Measured> => {
      const before = sampleCpu(server.pid);
      const result = allOk(label, await runLoad(load));
      const cpu = cpuPerUnit(before, sampleCpu(server.pid), result.ok * unitsPerRequest, result.cpuMs);
      return { result, cpu };
    };
    allOk('usage warm-up', await runLoad(job(usage('warm'), { durationS: sizes.warmupS })));
    const single = await measured('usage', job(usage('run'), {}));
    await probeBatch(server.url, BENCH_SERVICE_KEY, sizes.accounts);
    const batch = await measured(
      'batch',
      job(
        {
          kind: 'batch',
          accounts: sizes.accounts,
          runTag: 'batch',
          recordsPerRequest: sizes.recordsPerBatch,
        },
        { connections: sizes.batchConnections },
      ),
      sizes.recordsPerBatch,
    );
    const catchUpMs = await waitForReadModels(server.url, BENCH_SERVICE_KEY);
    const entitlement = await measured(
      'entitlement',
      job(
        { kind: 'entitlement', accounts: sizes.accounts },
        { connections: sizes.entitlementConnections, overallRate: sizes.entitlementRate },
      ),
    );
    return figuresOf(sizes, single, batch, entitlement, catchUpMs);
  } finally {
    await server.stop();
  }
}

interface Measured {
  readonly result: LoadResult;
  readonly cpu: string;
}

function figuresOf(
  sizes: HttpBenchSizes,
  usage: Measured,
  batchRun: Measured,
  entitlementRun: Measured,
  catchUpMs: number,
): Figure[] {
  const [single, batch, entitlement] = [usage.result, batchRun.result, entitlementRun.result];
  const shape = `${sizes.accounts} accounts, autocannon in a second process, ${sizes.durationS} s`;
  const usageNote = `POST /v1/usage, one new usageId per request, ${shape}, ${sizes.usageConnections} connections (after ${sizes.warmupS} s warm-up)`;
  const achievedRate = Math.round(entitlement.ok / entitlement.durationS);
  return [
    {
      name: 'http_usage_per_s',
      value: Math.round(single.ok / single.durationS),
      unit: 'req/s',
      note: `${usageNote}; ${usage.cpu}`,
    },
    {
      name: 'http_usage_p99_ms',
      value: single.latencyMs.p99,
      unit: 'ms',
      note: `${usageNote}; p50 ${single.latencyMs.p50.toFixed(2)} ms`,
    },
    {
      name: 'http_batch_records_per_s',
      value: Math.round((batch.ok * sizes.recordsPerBatch) / batch.durationS),
      unit: 'records/s',
      note: `POST /v1/usage/batch, ${sizes.recordsPerBatch} new records per request, ${shape}, ${sizes.batchConnections} connections; p99 ${batch.latencyMs.p99.toFixed(1)} ms per request; ${batchRun.cpu} (a record)`,
    },
    {
      name: 'entitlement_p99_ms',
      value: entitlement.latencyMs.p99,
      unit: 'ms',
      note: `GET entitlements (codex local_message x1) at ${sizes.entitlementRate} req/s evenly spaced (achieved ${achievedRate}; open loop from a second process, latency from each request's due time, at most ${sizes.entitlementConnections} in flight), ${sizes.accounts} accounts, ${sizes.durationS} s; p50 ${entitlement.latencyMs.p50.toFixed(2)} ms, max ${entitlement.latencyMs.max.toFixed(1)} ms; started once the read models had applied the batch phase's events (${(catchUpMs / 1000).toFixed(1)} s after it ended); ${entitlementRun.cpu}`,
    },
  ];
}

/** A figure from a run with failures would flatter the server: refuse it, saying what came back. */
function allOk(label: string, result: LoadResult): LoadResult {
  if (result.responses === 0 || result.ok !== result.responses || result.errors > 0) {
    throw new Error(
      `http bench ${label}: ${result.ok}/${result.responses} responses 2xx, ${result.errors} errors (${result.timeouts} timeouts), statuses ${JSON.stringify(result.statusCounts)}`,
    );
  }
  return result;
}
