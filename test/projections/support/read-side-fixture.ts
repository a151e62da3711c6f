import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { LedgerReadSide, type Projection } from '@ledger/projections';
import { rateCard } from '@ledger/domain/testing/fixtures';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerSimulation } from './ledger-simulation';

/** A real SQLite event store and a real read-model file in a fresh temp directory. */
export interface ReadSideFixture {
  readonly dir: string;
  readonly store: SqliteEventStore;
  readonly readSide: LedgerReadSide;
  readonly ledger: LedgerSimulation;
  /** Reopens the read side on the same file (a node restart). */
  reopen(): Promise<LedgerReadSide>;
  close(): Promise<void>;
}

export function readSideFixture(
  options: {
    readonly start?: boolean;
    readonly batchSize?: number;
    readonly projections?: readonly Projection[];
  } = {},
): ReadSideFixture {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-projections-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.sqlite'), pollIntervalMs: 20 });
  const open = () => {
    const side = LedgerReadSide.open({
      store,
      databasePath: join(dir, 'read-models.sqlite'),
      batchSize: options.batchSize,
      projections: options.projections,
    });
    if (options.start !== false) side.start();
    return side;
  };
  const fixture = {
    dir,
    store,
    readSide: open(),
    ledger: new LedgerSimulation(store, rateCard),
    async reopen() {
      await fixture.readSide.close();
      fixture.readSide = open();
      return fixture.readSide;
    },
    async close() {
      await fixture.readSide.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}
