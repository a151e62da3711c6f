import type { ProjectedEvent } from '../events/ledger-event';
import type { ReadModelDatabase } from '../read-store/read-model-database';

/** A table a projection owns, with the columns that order and identify its rows (for verify). */
export interface ProjectionTable {
  readonly name: string;
  readonly key: readonly string[];
}

/**
 * A projection: a pure reducer of events into rows, packaged with its schema.
 * Bump `version` whenever the rows it would write for the same log change: the runner then drops
 * its tables and rebuilds it from position 0 on start.
 */
export interface Projection {
  readonly name: string;
  readonly version: number;
  readonly tables: readonly ProjectionTable[];
  /** Creates its tables (idempotent). */
  createSchema(db: ReadModelDatabase): void;
  /**
   * DDL of the secondary indexes its queries need (`CREATE INDEX IF NOT EXISTS …`). A projection
   * rebuilt from position 0 gets them when its catch-up ends, in the transaction of the last page:
   * rows loaded first and indexed once cost less than every row kept in order in every index.
   */
  readonly indexes?: string;
  /** Prepares its statements once; the writer is then used for every batch. */
  openWriter(db: ReadModelDatabase): ProjectionWriter;
}

/**
 * Called only inside the runner's transaction. `apply` may buffer rows in memory;
 * `flush` writes them before the checkpoint moves; `discard` forgets buffers after a rollback.
 */
export interface ProjectionWriter {
  apply(event: ProjectedEvent): void;
  flush(): void;
  discard(): void;
}
