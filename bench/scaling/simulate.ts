import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../bench-report';

/**
 * `node dist/bench/scaling/simulate.js [results.json] [--leader <events/s>] [--pg <events/s>]`:
 * throughput against node count, today's design and the proposed one, from a capacity model whose
 * per-event costs are MEASURED on this machine (bench/results/latest.json, the same `npm run bench`
 * run) and whose remote-service caps (EventStoreDB leader, PostgreSQL) are ASSUMED and printed as
 * such. Each design's throughput at N nodes is the least of its resources' capacities; a resource
 * serves `demand per request × throughput`, so this is a bottleneck model, evaluated node count by
 * node count, with the stale-cache and conflict fractions of unrouted writes computed below.
 */

/** Per-request and per-event costs measured by `npm run bench` on one node (µs of CPU). */
export interface MeasuredCosts {
  /** Request thread per usage request: HTTP, validation, command, append (http_usage_request_cpu_us). */
  readonly requestUs: number;
  /** One node's projections per event applied (projection_live_cpu_us). */
  readonly projectionUs: number;
  /** Decide + durable append alone, one thread (1e6 / command_path_per_s). */
  readonly commandUs: number;
}

/** What this machine cannot measure: no EventStoreDB cluster or PostgreSQL server under load here. */
export interface Assumptions {
  /** Cores per API node (the measured machine's count by default). */
  readonly coresPerNode: number;
  /** Single-event appends per second one EventStoreDB leader takes when doing nothing else. ASSUMED. */
  readonly leaderEventsPerS: number;
  /** A stream tail read on the leader, in appends' worth of leader work. ASSUMED. */
  readonly leaderReadCost: number;
  /** Delivering one event to one $all subscriber, in appends' worth of leader work. ASSUMED. */
  readonly leaderDeliveryCost: number;
  /** Read-model rows per second one PostgreSQL primary takes from the projectors. ASSUMED. */
  readonly postgresEventsPerS: number;
  /** Decide-to-append window in which another node's write to the same account conflicts (ms). ASSUMED. */
  readonly conflictWindowMs: number;
  /** Accounts sharing the load, uniformly (the bench's 10,000). */
  readonly accounts: number;
}

export interface Capacity {
  readonly nodes: number;
  readonly eventsPerS: number;
  readonly bound: string;
}

/**
 * Today: any node decides for any account (writes spread at random), every node projects every
 * event on one worker thread, one EventStoreDB leader appends everything. On EventStoreDB a command
 * reads the account's tail on the leader before deciding, cache hit or not (readBeforeDecide), so a
 * stale cache costs leader reads, counted below, not a reload; two nodes deciding the same account
 * within the conflict window make one of them decide again (a whole command's cost once more).
 */
export function todaysDesign(n: number, m: MeasuredCosts, a: Assumptions): Capacity {
  const otherNodes = (n - 1) / n;
  const perCommandUs = (x: number) => {
    const perAccountRate = x / a.accounts;
    const conflict = otherNodes * Math.min(1, (perAccountRate * a.conflictWindowMs) / 1000);
    return m.requestUs * (1 + conflict);
  };
  // On EventStoreDB every command reads the resets' tail and the account's tail on the leader
  // (readBeforeDecide), then appends; every node's projection runner subscribes to $all on it.
  const leaderWork = 1 + 2 * a.leaderReadCost + n * a.leaderDeliveryCost;
  // The request thread's demand depends weakly on x (conflicts): bisection below.
  return leastOf(n, [
    { bound: 'EventStoreDB leader (assumed)', fits: (x) => x * leaderWork <= a.leaderEventsPerS },
    {
      bound: "one node's projection thread (every node projects every event)",
      fits: (x) => x * m.projectionUs <= 1e6,
    },
    { bound: 'request threads', fits: (x) => (x / n) * perCommandUs(x) <= 1e6 },
    {
      bound: "nodes' cores (requests + projections)",
      fits: (x) => (x / n) * perCommandUs(x) + x * m.projectionUs <= a.coresPerNode * 1e6,
    },
  ]);
}

/**
 * Proposed: writes routed by account (a hash of the account id picks the node: its cache is always
 * current, no conflicts), API nodes project nothing; read models in PostgreSQL fed by `projectors`
 * consumers of a partitioned subscription (by account, so each account's events stay in order),
 * each paying the measured per-event projection cost; `shards` log partitions by account, each with
 * its own leader, once one leader is the bound.
 */
export function proposedDesign(
  n: number,
  m: MeasuredCosts,
  a: Assumptions,
  layout: { readonly projectors: number; readonly shards: number; readonly postgresPrimaries: number },
): Capacity {
  // Routed writes own their accounts (a lease fences the old owner), so the account's tail read
  // goes; the resets' tail stays; each event is delivered once, to one consumer of the group.
  const leaderWork = 1 + a.leaderReadCost + a.leaderDeliveryCost;
  return leastOf(n, [
    {
      bound: `EventStoreDB leaders ×${layout.shards} (assumed)`,
      fits: (x) => x * leaderWork <= layout.shards * a.leaderEventsPerS,
    },
    {
      bound: `PostgreSQL primaries ×${layout.postgresPrimaries} (assumed)`,
      fits: (x) => x <= layout.postgresPrimaries * a.postgresEventsPerS,
    },
    { bound: `projectors ×${layout.projectors}`, fits: (x) => x * m.projectionUs <= layout.projectors * 1e6 },
    { bound: 'request threads', fits: (x) => (x / n) * m.requestUs <= 1e6 },
  ]);
}

interface Resource {
  readonly bound: string;
  readonly fits: (eventsPerS: number) => boolean;
}

/** The largest rate every resource takes (bisection to 1 event/s), and the first resource to refuse more. */
function leastOf(nodes: number, resources: readonly Resource[]): Capacity {
  let low = 0;
  let high = 1e8;
  while (high - low > 1) {
    const mid = (low + high) / 2;
    if (resources.every((r) => r.fits(mid))) low = mid;
    else high = mid;
  }
  const bound = resources.find((r) => !r.fits(high))?.bound ?? 'none';
  return { nodes, eventsPerS: Math.floor(low), bound };
}

/** The measured costs from a results file of `npm run bench`, refusing a file that lacks any. */
export function measuredCosts(resultsFile: string): MeasuredCosts & { readonly source: string } {
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as {
    when: string;
    mode: string;
    machine: string;
    figures: { name: string; value: number }[];
  };
  const value = (name: string) => {
    const figure = results.figures.find((f) => f.name === name);
    if (figure === undefined) throw new Error(`${resultsFile} has no ${name}: run npm run bench first`);
    return figure.value;
  };
  return {
    requestUs: value('http_usage_request_cpu_us'),
    projectionUs: value('projection_live_cpu_us'),
    commandUs: 1e6 / value('command_path_per_s'),
    source: `${resultsFile} (${results.when}, ${results.mode}, ${results.machine})`,
  };
}

function option(args: readonly string[], name: string, fallback: number): number {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

/** Leader capacities the tables are printed for: not measured here, so a range. */
const LEADER_RANGE = [5_000, 15_000, 50_000];
const NODE_COUNTS = [1, 2, 3, 4, 6, 8, 12, 16];

function main(): void {
  const args = process.argv.slice(2);
  const file =
    args[0] !== undefined && !args[0].startsWith('--')
      ? args[0]
      : path.join(projectRoot(__dirname), 'bench', 'results', 'latest.json');
  const m = measuredCosts(file);
  const base: Assumptions = {
    coresPerNode: option(args, '--cores', 2),
    leaderEventsPerS: 0,
    leaderReadCost: option(args, '--read-cost', 0.5),
    leaderDeliveryCost: option(args, '--delivery-cost', 0.05),
    postgresEventsPerS: option(args, '--pg', 30_000),
    conflictWindowMs: option(args, '--window', 5),
    accounts: option(args, '--accounts', 10_000),
  };
  const leaders = args.includes('--leader') ? [option(args, '--leader', 15_000)] : LEADER_RANGE;
  console.log(`MEASURED (${m.source}):`);
  console.log(
    `  request thread ${m.requestUs} µs a usage request (http_usage_request_cpu_us), projections ${m.projectionUs} µs an event (projection_live_cpu_us), command path ${m.commandUs.toFixed(1)} µs a command (1e6 / command_path_per_s)`,
  );
  const { leaderEventsPerS: _unused, ...assumed } = base;
  console.log(`ASSUMED: ${JSON.stringify(assumed)}; leader capacity ${leaders.join(', ')} appends/s`);
  console.log('MODELLED: events/s the cluster sustains (first resource to refuse more)');
  for (const leaderEventsPerS of leaders) {
    const a = { ...base, leaderEventsPerS };
    console.log(`\nleader ${leaderEventsPerS} appends/s (assumed)\n`);
    console.log('| nodes | today | bound | proposed | bound |');
    console.log('|---|---|---|---|---|');
    for (const n of NODE_COUNTS) {
      const today = todaysDesign(n, m, a);
      // Projectors grow with the nodes (one per two API nodes); log and database partitions by need.
      const proposed = proposedDesign(n, m, a, {
        projectors: Math.max(1, Math.ceil(n / 2)),
        shards: Math.max(1, Math.ceil(n / 4)),
        postgresPrimaries: Math.max(1, Math.ceil(n / 4)),
      });
      console.log(
        `| ${n} | ${today.eventsPerS} | ${today.bound} | ${proposed.eventsPerS} | ${proposed.bound} |`,
      );
    }
  }
}

if (require.main === module) main();
