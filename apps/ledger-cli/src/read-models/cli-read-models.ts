import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { EventStore } from '@ledger/event-store';
import {
  CheckpointTable,
  LEDGER_PROJECTIONS,
  LedgerReadSide,
  READ_MODELS_FILE,
  type CommitProgress,
} from '@ledger/projections';
import { join } from 'node:path';
import { LEDGER_CONFIG, type LedgerConfig } from '../../../ledger/src/config/ledger-config';
import { EVENTS_FILE } from '../../../ledger/src/store/event-store.factory';
import { EVENT_STORE } from '../../../ledger/src/store/store.tokens';

/**
 * The node's read models (`<dataDir>/read-models.sqlite`) as the CLI uses them: the same
 * `LedgerReadSide` the server runs, but not started at open. The server's ReadSideModule starts
 * its runner at bootstrap; a second runner on a file a live server is writing would race it, so
 * the CLI only applies events after making sure nobody else is (see read-models-catch-up.ts).
 */
@Injectable()
export class CliReadModels implements BeforeApplicationShutdown {
  private current: LedgerReadSide | undefined;
  private commitListener: ((progress: CommitProgress) => void) | undefined;

  constructor(
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(EVENT_STORE) readonly store: EventStore,
  ) {}

  /** The read side, opened on first use. */
  get readSide(): LedgerReadSide {
    this.current ??= this.open();
    return this.current;
  }

  /** Reopens the file: the runner's positions are read at open, and another process may have moved them. */
  async reopen(): Promise<LedgerReadSide> {
    await this.current?.close();
    this.current = this.open();
    return this.current;
  }

  /** `<dataDir>/read-models.sqlite`. */
  get databasePath(): string {
    return join(this.config.dataDir, READ_MODELS_FILE);
  }

  /** The embedded log's file (undefined on EventStoreDB): a rebuild may read it from several threads. */
  get eventsPath(): string | undefined {
    return this.config.eventStoreConnectionString === undefined
      ? join(this.config.dataDir, EVENTS_FILE)
      : undefined;
  }

  /** Closes the file (a rebuild replaces it); the next use opens it again. */
  async close(): Promise<void> {
    await this.current?.close();
    this.current = undefined;
  }

  /** Each commit of the runner (catch-up, rebuild) is reported here. */
  onCommit(listener: ((progress: CommitProgress) => void) | undefined): void {
    this.commitListener = listener;
  }

  /** The position every projection has committed, read from the file now (not the runner's memory). */
  committedPosition(): bigint {
    const checkpoints = new CheckpointTable(this.readSide.db);
    return (
      LEDGER_PROJECTIONS.reduce<bigint | undefined>((lowest, projection) => {
        const position = checkpoints.read(projection.name)?.position ?? 0n;
        return lowest === undefined || position < lowest ? position : lowest;
      }, undefined) ?? 0n
    );
  }

  /** Each projection's committed position, read from the file now. */
  committedPositions(): ReadonlyMap<string, bigint> {
    const checkpoints = new CheckpointTable(this.readSide.db);
    return new Map(LEDGER_PROJECTIONS.map((p) => [p.name, checkpoints.read(p.name)?.position ?? 0n]));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.current?.close();
    this.current = undefined;
  }

  private open(): LedgerReadSide {
    return LedgerReadSide.open({
      store: this.store,
      databasePath: this.databasePath,
      onCommit: (progress) => this.commitListener?.(progress),
    });
  }
}
