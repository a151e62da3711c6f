import type { EpochMs, GlobalLimitsReset } from '@ledger/domain';
import type { ReadModelDatabase } from '../read-store/read-model-database';

/**
 * Global resets as the decider sees them. Read whole: resets are rare admin actions, and applying
 * them at query time is what lets one event void everyone's windows without rewriting a row.
 */
export class GlobalResetsReader {
  private readonly selectAll;

  constructor(db: ReadModelDatabase) {
    this.selectAll = db.prepare<
      [],
      {
        reset_id: string;
        scope: 'all' | 'plan';
        plan: string | null;
        product: string | null;
        reset_at: number;
      }
    >('SELECT reset_id, scope, plan, product, reset_at FROM aw_global_resets ORDER BY position');
  }

  /** The resets that had happened by `at` (all of them when `at` is omitted). */
  resets(at?: EpochMs): GlobalLimitsReset[] {
    return this.selectAll
      .all()
      .filter((r) => at === undefined || r.reset_at <= at)
      .map((r) => ({
        resetId: r.reset_id,
        scope: r.scope,
        plan: r.plan,
        product: r.product,
        resetAt: r.reset_at,
      }));
  }
}
