import type { ProjectionFailureReport } from '@ledger/projections';
import type { WorkerLogLocation } from './worker-entry';

/** Messages between the server's thread and its projection worker (plain data: structured clone). */

export interface ProjectionWorkerData extends WorkerLogLocation {
  /** The runner's own batch sizes apply (5,000 live, 20,000 per catch-up page): off the request thread. */
  readonly databasePath: string;
}

export type ToWorker =
  | { readonly kind: 'start' | 'stop' | 'pause' | 'resume' | 'close'; readonly id: number }
  | { readonly kind: 'rebuild'; readonly id: number; readonly names?: readonly string[] };

export type FromWorker =
  | { readonly kind: 'ready'; readonly rebuiltOnOpen: readonly string[]; readonly positions: Positions }
  | {
      readonly kind: 'commit';
      readonly positions: Positions;
      readonly events: number;
      readonly durationMs: number;
    }
  | { readonly kind: 'done'; readonly id: number; readonly positions: Positions; readonly error?: string }
  | {
      readonly kind: 'log';
      readonly level: 'error' | 'warn';
      readonly message: string;
      readonly stack?: string;
      /** A projection's failure (the metric counts it). */
      readonly failure?: ProjectionFailureReport;
    }
  /** Every projection not following the log now (empty: healed): /health reads this. */
  | { readonly kind: 'failures'; readonly failures: readonly ProjectionFailureReport[] };

/** Positions as decimal strings: bigints cross the thread boundary, but keep the protocol plain. */
export type Positions = readonly (readonly [string, string])[];

export function positionsOf(map: ReadonlyMap<string, bigint>): Positions {
  return [...map].map(([name, position]) => [name, position.toString()] as const);
}

export function positionsFrom(positions: Positions): Map<string, bigint> {
  return new Map(positions.map(([name, position]) => [name, BigInt(position)]));
}
