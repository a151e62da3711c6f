import type { Figure } from './bench-report';
import {
  openAccounts,
  probeBatch,
  runLoad,
  runMeasuredLoad,
  waitForReadModels,
  allOk,
} from './http/load-client';
import type { MeasuredLoad } from './http/load-client';
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

export const HTTP_SCENARIOS = ['usage', 'holds', 'batch', 'entitlement'] as const;
export type HttpScenario = (typeof HTTP_SCENARIOS)[number];

/** The usage scenario's load shape, shared with the floors so every server sees the same load. */
export function usageNoteOf(sizes: HttpBenchSizes): string {
  return `${sizes.accounts} accounts, autocannon in a second process, ${sizes.durationS} s, ${sizes.usageConnections} connections (after ${sizes.warmupS} s warm-up)`;
}

/**
 * The HTTP figures: the real server (`node dist/apps/ledger/src/main.js`) in one child process,
 * the load generator in another (autocannon for the closed-loop scenarios, a paced open-loop sender
 * for the one at a set rate), only on 127.0.0.1. Every request is checked: a fast 4xx is not
 * throughput. `scenarios` picks some (a profiling aid: `only.js http usage`).
 */
export async function benchHttp(
  root: string,
  sizes: HttpBenchSizes,
  scenarios: readonly HttpScenario[] = HTTP_SCENARIOS,
): Promise<Figure[]> {
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
    const figures: Figure[] = [];
    if (scenarios.includes('usage')) {
      allOk('usage warm-up', await runLoad(job(usage('warm'), { durationS: sizes.warmupS })));
      figures.push(...usageFigures(sizes, await runMeasuredLoad('usage', server.pid, job(usage('run'), {}))));
    }
    if (scenarios.includes('holds')) {
      const holds = (runTag: string) => ({ kind: 'holds', accounts: sizes.accounts, runTag }) as const;
      allOk('holds warm-up', await runLoad(job(holds('hwarm'), { durationS: sizes.warmupS })));
      figures.push(...holdFigures(sizes, await runMeasuredLoad('holds', server.pid, job(holds('hrun'), {}))));
      // One connection: no queue, so the latencies are the requests' own (see holdFigures).
      const alone = await runMeasuredLoad(
        'holds, one connection',
        server.pid,
        job(holds('h1c'), { connections: 1 }),
      );
      figures.push(...holdAloneFigures(sizes, alone));
    }
    if (scenarios.includes('batch')) {
      await probeBatch(server.url, BENCH_SERVICE_KEY, sizes.accounts);
      const batch = { kind: 'batch', accounts: sizes.accounts, runTag: 'batch' } as const;
      const run = await runMeasuredLoad(
        'batch',
        server.pid,
        job({ ...batch, recordsPerRequest: sizes.recordsPerBatch }, { connections: sizes.batchConnections }),
        sizes.recordsPerBatch,
      );
      figures.push(batchFigure(sizes, run));
    }
    if (scenarios.includes('entitlement')) {
      const catchUpMs = await waitForReadModels(server.url, BENCH_SERVICE_KEY);
      const run = await runMeasuredLoad(
        'entitlement',
        server.pid,
        job(
          { kind: 'entitlement', accounts: sizes.accounts },
          { connections: sizes.entitlementConnections, overallRate: sizes.entitlementRate },
        ),
      );
      figures.push(entitlementFigure(sizes, run, catchUpMs));
    }
    return figures;
  } finally {
    await server.stop();
  }
}

function usageFigures(sizes: HttpBenchSizes, usage: MeasuredLoad): Figure[] {
  const single = usage.result;
  const usageNote = `POST /v1/usage, one new usageId per request, ${usageNoteOf(sizes)}`;
  const figures: Figure[] = [
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
  ];
  if (usage.serverUs !== undefined && usage.requestThreadUs !== undefined) {
    const during =
      'from /proc during http_usage_per_s (unlike the rate, not lowered by other processes taking the cores)';
    figures.push(
      {
        name: 'http_usage_server_cpu_us',
        value: usage.serverUs,
        unit: 'µs/req',
        note: `server CPU per usage request, all threads (request thread, projection worker, GC helpers, libuv), ${during}`,
      },
      {
        name: 'http_usage_request_cpu_us',
        value: usage.requestThreadUs,
        unit: 'µs/req',
        note: `CPU of the server's request thread per usage request (HTTP, validation, command, durable append), ${during}; the input of bench/scaling/simulate.ts`,
      },
    );
  }
  return figures;
}

/** Issue 17: a hold placed and settled (two round trips) must stay under 2× a plain usage's latency. */
export const HOLD_PAIR_MAX_RATIO = 2;

const HOLD_CYCLE =
  'POST /v1/usage (codex local_message ×1) → POST /v1/usage again (the same, another usage id) → POST /v1/holds (local_message ×2) → POST /v1/holds/{holdId}/settlement (×1: one consumed, one released)';
const PAIR_WHAT = 'a pair = place then settle of one hold, 2 round trips back to back on one connection';
const FLOOR_WHAT =
  "the floor pair = the cycle's two plain usages back to back on one connection (two durable round trips of the cheapest command): what any two-request protocol costs";

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
const ms = (v: number) => v.toFixed(2);

/** What a holds run measured, in one line: the pair, its steps, the floor pair and the plain usage. */
function holdMeasured(steps: HoldSteps): string {
  const { usage, place, settle, pair, usagePair } = steps;
  return `pair p50 ${ms(pair.latencyMs.p50)} / p99 ${ms(pair.latencyMs.p99)} ms (place p50 ${ms(place.latencyMs.p50)}, settle p50 ${ms(settle.latencyMs.p50)}); floor pair (two plain usages) p50 ${ms(usagePair.latencyMs.p50)} / p99 ${ms(usagePair.latencyMs.p99)} ms; plain usage p50 ${ms(usage.latencyMs.p50)} / p99 ${ms(usage.latencyMs.p99)} ms`;
}

/**
 * The ratios of a holds run, 32 connections (`suffix` '') or one (`_1conn`): the pair against one
 * plain usage (issue 17's figure), the floor pair against the same usage (what two durable round
 * trips measure the same way, so the least the first ratio can be), and the pair against the floor.
 */
function holdRatios(steps: HoldSteps, suffix: '' | '_1conn', where: string): Figure[] {
  const { usage, pair, usagePair } = steps;
  const measured = `${where}; ${holdMeasured(steps)}`;
  const figures: Figure[] = [];
  for (const p of ['p50', 'p99'] as const) {
    figures.push(
      {
        name: `http_hold_settle_vs_usage${suffix}_${p}`,
        value: ratio(pair.latencyMs[p], usage.latencyMs[p]),
        unit: 'ratio',
        note: `pair ${p} / plain usage ${p} (issue 17: under ${HOLD_PAIR_MAX_RATIO}); its measured floor is http_usage_pair_vs_usage${suffix}_${p}; ${measured}`,
      },
      {
        name: `http_usage_pair_vs_usage${suffix}_${p}`,
        value: ratio(usagePair.latencyMs[p], usage.latencyMs[p]),
        unit: 'ratio',
        note: `floor of the ratio above: ${FLOOR_WHAT}, ${p} / plain usage ${p}; ${measured}`,
      },
      {
        name: `http_hold_settle_vs_usage_pair${suffix}_${p}`,
        value: ratio(pair.latencyMs[p], usagePair.latencyMs[p]),
        unit: 'ratio',
        note: `pair ${p} / floor pair ${p}: 1.00 = a hold placed and settled costs what two plain usages cost; ${measured}`,
      },
    );
  }
  return figures;
}

/**
 * `http_hold_settle_*`: each connection cycles plain usage → plain usage → place hold → settle it,
 * so the pair, the plain usage it is compared with and the floor pair (the two usages) are measured
 * in the same run, under the same load, at the same moments (on a shared machine, two runs one
 * after the other would not see the same load).
 */
function holdFigures(sizes: HttpBenchSizes, run: MeasuredLoad): Figure[] {
  const steps = holdSteps(run);
  const { usage, pair, usagePair } = steps;
  const load = `each of ${sizes.usageConnections} connections cycles ${HOLD_CYCLE}, closed loop; ${usageNoteOf(sizes)}`;
  const measured = holdMeasured(steps);
  return [
    {
      name: 'http_hold_settle_per_s',
      value: Math.round(pair.ok / run.result.durationS),
      unit: 'pairs/s',
      note: `${PAIR_WHAT}; ${load}; ${measured}; requests/s all steps ${Math.round(run.result.ok / run.result.durationS)}; ${run.cpu} (a request)`,
    },
    {
      name: 'http_hold_settle_p50_ms',
      value: pair.latencyMs.p50,
      unit: 'ms',
      note: `${PAIR_WHAT}; ${measured}`,
    },
    {
      name: 'http_hold_settle_p99_ms',
      value: pair.latencyMs.p99,
      unit: 'ms',
      note: `${PAIR_WHAT}; ${measured}`,
    },
    {
      name: 'http_hold_usage_p50_ms',
      value: usage.latencyMs.p50,
      unit: 'ms',
      note: 'the first plain POST /v1/usage of the same cycles (same run, same load, same moments)',
    },
    {
      name: 'http_hold_usage_p99_ms',
      value: usage.latencyMs.p99,
      unit: 'ms',
      note: 'the first plain POST /v1/usage of the same cycles (same run, same load, same moments)',
    },
    {
      name: 'http_hold_usage_pair_p50_ms',
      value: usagePair.latencyMs.p50,
      unit: 'ms',
      note: `${FLOOR_WHAT}; ${measured}`,
    },
    {
      name: 'http_hold_usage_pair_p99_ms',
      value: usagePair.latencyMs.p99,
      unit: 'ms',
      note: `${FLOOR_WHAT}; ${measured}`,
    },
    ...holdRatios(
      steps,
      '',
      `${sizes.usageConnections} connections (at saturation every request waits in one queue)`,
    ),
  ];
}

type HoldSteps = Record<'usage' | 'usage2' | 'place' | 'settle' | 'pair' | 'usagePair', StepResult>;

/** The per-step latencies of a holds run, refusing a run that measured no complete pair. */
function holdSteps(run: MeasuredLoad): HoldSteps {
  const steps = run.result.steps;
  const names = ['usage', 'usage2', 'place', 'settle', 'pair', 'usagePair'] as const;
  const found = Object.fromEntries(names.map((step) => [step, steps?.[step]]));
  if (names.some((step) => found[step] === undefined)) {
    throw new Error(`http bench holds: no per-step latencies in ${JSON.stringify(steps)}`);
  }
  const result = found as HoldSteps;
  if (result.pair.ok === 0 || result.usage.ok === 0 || result.usagePair.ok === 0)
    throw new Error('http bench holds: no complete pair, floor pair or usage measured');
  return result;
}

type StepResult = NonNullable<LoadResult['steps']>[string];

/**
 * The same cycle on one connection. Under the closed loop of 32 connections every request waits in
 * the same queue, so a pair (two waits) is close to 2× a usage (one wait) whatever a hold costs;
 * alone, the latencies are the requests' own service times, and the ratio says what holds cost.
 */
function holdAloneFigures(sizes: HttpBenchSizes, run: MeasuredLoad): Figure[] {
  const steps = holdSteps(run);
  return holdRatios(
    steps,
    '_1conn',
    `one connection, ${sizes.durationS} s, the same cycle, ${Math.round(steps.pair.ok / run.result.durationS)} pairs/s`,
  );
}

function batchFigure(sizes: HttpBenchSizes, run: MeasuredLoad): Figure {
  const batch = run.result;
  return {
    name: 'http_batch_records_per_s',
    value: Math.round((batch.ok * sizes.recordsPerBatch) / batch.durationS),
    unit: 'records/s',
    note: `POST /v1/usage/batch, ${sizes.recordsPerBatch} new records per request, ${sizes.accounts} accounts, autocannon in a second process, ${sizes.durationS} s, ${sizes.batchConnections} connections, live projections running (worker thread); p99 ${batch.latencyMs.p99.toFixed(1)} ms per request; ${run.cpu} (a record)`,
  };
}

function entitlementFigure(sizes: HttpBenchSizes, run: MeasuredLoad, catchUpMs: number): Figure {
  const entitlement = run.result;
  const achievedRate = Math.round(entitlement.ok / entitlement.durationS);
  return {
    name: 'entitlement_p99_ms',
    value: entitlement.latencyMs.p99,
    unit: 'ms',
    note: `GET entitlements (codex local_message x1) at ${sizes.entitlementRate} req/s evenly spaced (achieved ${achievedRate}; open loop from a second process, latency from each request's due time, at most ${sizes.entitlementConnections} in flight), ${sizes.accounts} accounts, ${sizes.durationS} s; p50 ${entitlement.latencyMs.p50.toFixed(2)} ms, max ${entitlement.latencyMs.max.toFixed(1)} ms; started once the read models had applied the earlier phases' events (${(catchUpMs / 1000).toFixed(1)} s after they ended); ${run.cpu}`,
  };
}
