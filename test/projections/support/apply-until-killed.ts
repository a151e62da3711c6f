import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { LedgerReadSide, rebuildReadModelFile } from '@ledger/projections';
import { join } from 'node:path';

/**
 * Child process of projections-kill.spec.ts: `live <dir>` follows the log in small batches, as the
 * server's runner does under load; `rebuild <dir>` runs `ledger rebuild`'s replay into a fresh
 * file. Either prints "applying" once under way, then is killed -9 by the test.
 */
async function main(): Promise<void> {
  const [mode, dir] = process.argv.slice(2);
  const store = new SqliteEventStore({ path: join(dir, 'events.sqlite') });
  const databasePath = join(dir, 'read-models.sqlite');
  let told = false;
  const tell = () => {
    if (!told) process.stdout.write('applying\n');
    told = true;
  };
  if (mode === 'rebuild') {
    await rebuildReadModelFile({ store, databasePath, pageSize: 500, threads: 1, onProgress: tell });
    process.stdout.write('rebuilt\n');
    return;
  }
  const readSide = LedgerReadSide.open({
    store,
    databasePath,
    batchSize: 7,
    catchUpPageSize: 7,
    onCommit: tell,
  });
  readSide.start();
  await readSide.catchUp(600_000);
  process.stdout.write('caught up\n');
}

void main();
