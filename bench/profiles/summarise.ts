import * as fs from 'node:fs';

/**
 * `node dist/bench/profiles/summarise.js <file.cpuprofile> [top] [--callers <regex> [depth]]`:
 * a text summary of a V8 CPU profile (`node --cpu-prof`): time by package (or compiled file of
 * ours), self and inclusive time by function, and optionally the call chains into functions
 * matching a pattern — what a flame graph shows, in a form that can be kept in the repository.
 */

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** `name file:line`, with node_modules/ and dist/ prefixes dropped. */
function functionKey(frame: CallFrame): string {
  const file = frame.url.replace(/.*node_modules\//, 'nm/').replace(/.*\/dist\//, '');
  return `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber}`;
}

/** The npm package, or for our compiled code the first three folders under dist/ (apps/ledger/src). */
function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (url.includes('node_modules/')) return url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1');
  if (url.includes('/dist/')) return url.replace(/.*\/dist\/([^/]+\/[^/]+\/[^/]+).*/, '$1');
  if (url.startsWith('node:')) return 'node: (core modules)';
  return url || frame.functionName; // (garbage collector), (program), (idle)
}

interface Summary {
  readonly totalUs: number;
  readonly byPackage: Map<string, number>;
  readonly self: Map<string, number>;
  readonly inclusive: Map<string, number>;
  readonly callers: Map<string, number>;
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

function summarise(profile: CpuProfile, callersOf?: RegExp, depth = 6): Summary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const selfByNode = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    totalUs += us;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + us);
  });
  const summary: Summary = {
    totalUs,
    byPackage: new Map(),
    self: new Map(),
    inclusive: new Map(),
    callers: new Map(),
  };
  for (const [id, us] of selfByNode) {
    const node = nodes.get(id);
    if (node === undefined) continue;
    add(summary.self, functionKey(node.callFrame), us);
    add(summary.byPackage, packageOf(node.callFrame), us);
    const chain: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      chain.push(functionKey((nodes.get(at) as ProfileNode).callFrame));
    }
    // A recursive function counts once per sample in inclusive time.
    for (const key of new Set(chain)) add(summary.inclusive, key, us);
    if (callersOf !== undefined) {
      const hit = chain.findIndex((key) => callersOf.test(key));
      if (hit >= 0) add(summary.callers, chain.slice(hit, hit + depth).join(' <- '), us);
    }
  }
  return summary;
}

function table(map: Map<string, number>, totalUs: number, top: number): string {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${key}`)
    .join('\n');
}

function main(): void {
  const [file, ...rest] = process.argv.slice(2);
  if (file === undefined)
    throw new Error('usage: summarise.js <file.cpuprofile> [top] [--callers <regex> [depth]]');
  const callersAt = rest.indexOf('--callers');
  const pattern = callersAt >= 0 ? rest[callersAt + 1] : undefined;
  const depth = callersAt >= 0 ? Number(rest[callersAt + 2] ?? 6) : 6;
  const top = Number(rest[0] !== undefined && callersAt !== 0 ? rest[0] : 40);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const s = summarise(profile, pattern === undefined ? undefined : new RegExp(pattern), depth);
  console.log(`profile ${file}: ${(s.totalUs / 1e6).toFixed(2)} s sampled\n`);
  console.log(`--- self time by package (or our compiled folder)\n${table(s.byPackage, s.totalUs, 25)}\n`);
  console.log(`--- self time by function\n${table(s.self, s.totalUs, top)}\n`);
  console.log(`--- inclusive time by function\n${table(s.inclusive, s.totalUs, top)}`);
  if (pattern !== undefined)
    console.log(`\n--- call chains into /${pattern}/ (callee first)\n${table(s.callers, s.totalUs, 10)}`);
}

main();
