import type { VerifyProgress, VerifyReport } from '@ledger/projections';
import type { WorkerLogLocation } from '../read-side/worker-entry';

/** Messages between the request thread and a verification's worker (plain data: structured clone). */
export interface VerifyWorkerData extends WorkerLogLocation {
  readonly databasePath: string;
  readonly maxMismatches?: number;
}

/** The request thread answers a positions question with the runner's positions (decimal strings). */
export interface ToVerifyWorker {
  readonly kind: 'positions';
  readonly id: number;
  readonly positions: readonly (readonly [string, string])[];
}

export type FromVerifyWorker =
  | { readonly kind: 'positions?'; readonly id: number }
  | { readonly kind: 'pause' | 'resume' }
  | { readonly kind: 'progress'; readonly progress: VerifyProgress }
  | { readonly kind: 'done'; readonly report: VerifyReport }
  | { readonly kind: 'failed'; readonly message: string };
