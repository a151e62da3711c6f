import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Sizes of the reliability runs. `npm test` runs the short defaults (the whole suite ≤ ~90 s on
 * 2 cores); `npm run test:reliability` sets the long ones. A seed is printed by every suite and
 * RELIABILITY_SEED replays it.
 */
export function envInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

export const RELIABILITY = {
  seed: envInteger('RELIABILITY_SEED', Date.now() % 2 ** 31),
  servers: envInteger('RELIABILITY_SERVERS', 3),
  clients: envInteger('RELIABILITY_CLIENTS', 8),
  contentionOps: envInteger('RELIABILITY_CONTENTION_OPS', 600),
  /** Rounds of 20 concurrent batches of 50 usages to one account (issue 14). */
  batchRounds: envInteger('RELIABILITY_BATCH_ROUNDS', 1),
  killCycles: envInteger('RELIABILITY_KILL_CYCLES', 4),
  fuzzRequests: envInteger('RELIABILITY_FUZZ_REQUESTS', 1500),
  simOps: envInteger('RELIABILITY_SIM_OPS', 20_000),
  /**
   * Holds over HTTP on two nodes (holds-multi-node, holds-esdb-nodes): operations in all. The
   * contention size, at most 5,000 unless set (the long run's 20,000 would take an hour over HTTP).
   */
  holdsOps: envInteger(
    'RELIABILITY_HOLDS_OPS',
    Math.min(envInteger('RELIABILITY_CONTENTION_OPS', 600), 5_000),
  ),
} as const;

/** Where a run writes its measured figures (docs/RELIABILITY.md quotes them), when asked to. */
export function reportFigures(suite: string, figures: Record<string, unknown>): void {
  const line = JSON.stringify({ suite, at: new Date().toISOString(), ...figures });
  console.log(`[reliability] ${line}`);
  const dir = process.env.RELIABILITY_REPORT_DIR;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    // Appending one JSON line per run keeps concurrent suites from clobbering each other.
    appendFileSync(join(dir, 'figures.jsonl'), `${line}\n`);
  }
}
