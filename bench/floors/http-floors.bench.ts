import type { Figure } from '../bench-report';
import { usageNoteOf, type HttpBenchSizes } from '../http.bench';
import { compiledOrSource } from '../http/ledger-server';
import { allOk, runLoad, runMeasuredLoad } from '../http/load-client';
import type { LoadJob } from '../http/load-job';
import { startServerProcess } from '../http/server-process';
import { HTTP_FLOOR_KINDS, type HttpFloorKind } from './http-floor-server';

const WHAT: Record<HttpFloorKind, string> = {
  node_http: 'plain node:http: read the body, JSON.parse, answer 201 JSON',
  fastify_schema: 'Fastify alone, compiled JSON schema for the body and the 201 response',
  nest_dto:
    "NestJS on Fastify with the ledger's JSON body parser, RecordUsageDto (class-validator) and strict ValidationPipe, valid path",
};

/**
 * The floors of `http_usage_per_s`: servers that answer the same POST /v1/usage bodies with 201 and
 * do less and less of what the ledger does, each in its own process, loaded by the same load
 * generator with the same connections, warm-up and duration as the usage scenario. None
 * authenticates, decides, appends or projects.
 */
export async function benchHttpFloors(
  root: string,
  sizes: HttpBenchSizes,
  kinds: readonly HttpFloorKind[] = HTTP_FLOOR_KINDS,
): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const kind of kinds) {
    const server = await startServerProcess(
      compiledOrSource(root, 'bench/floors/http-floor-server'),
      { ...process.env, FLOOR_KIND: kind },
      root,
    );
    try {
      const job = (runTag: string, durationS: number): LoadJob => ({
        url: server.url,
        apiKey: 'floor',
        scenario: { kind: 'usage', accounts: sizes.accounts, runTag },
        connections: sizes.usageConnections,
        durationS,
      });
      allOk(`${kind} warm-up`, await runLoad(job('warm', sizes.warmupS)));
      const run = await runMeasuredLoad(kind, server.pid, job('run', sizes.durationS));
      if (kind === 'node_http') figures.push(await pacedFloor(server.url, server.pid, sizes));
      figures.push({
        name: `floor_${kind}_per_s`,
        value: Math.round(run.result.ok / run.result.durationS),
        unit: 'req/s',
        note: `${WHAT[kind]}; same POST /v1/usage bodies and load as http_usage_per_s (${usageNoteOf(sizes)}); p99 ${run.result.latencyMs.p99.toFixed(2)} ms; ${run.cpu}`,
      });
    } finally {
      await server.stop();
    }
  }
  return figures;
}

/**
 * The latency floor of `entitlement_p99_ms`: the same paced open-loop sender, rate, in-flight bound
 * and GET paths against plain node:http answering a small JSON — the machine's and the client's
 * own tail at that rate.
 */
async function pacedFloor(url: string, pid: number, sizes: HttpBenchSizes): Promise<Figure> {
  const run = await runMeasuredLoad('node_http entitlement', pid, {
    url,
    apiKey: 'floor',
    scenario: { kind: 'entitlement', accounts: sizes.accounts },
    connections: sizes.entitlementConnections,
    durationS: sizes.durationS,
    overallRate: sizes.entitlementRate,
  });
  const latency = run.result.latencyMs;
  return {
    name: 'floor_node_http_entitlement_p99_ms',
    value: latency.p99,
    unit: 'ms',
    note: `plain node:http answering the entitlement GETs with a small JSON, under the same paced sender as entitlement_p99_ms (${sizes.entitlementRate} req/s evenly spaced, at most ${sizes.entitlementConnections} in flight, ${sizes.durationS} s); p50 ${latency.p50.toFixed(2)} ms, max ${latency.max.toFixed(1)} ms; ${run.cpu}`,
  };
}
