import { parentPort, workerData } from 'node:worker_threads';
import { SqliteAppendWriter } from './sqlite-append-writer';
import { openSqliteDatabase } from './sqlite-database';
import {
  failureData,
  outcomeData,
  type FromWriter,
  type ToWriter,
  type WriterThreadData,
} from './sqlite-writer-protocol';

/**
 * The writer thread of a SQLite store (see SqliteWriterThread): its own connection, the same
 * SqliteAppendWriter as the inline mode, one group-commit transaction per message. The fsync of
 * each commit waits here, not on the thread that parses requests and decides commands.
 */
function main(): void {
  const port = parentPort;
  if (port === null) throw new Error('sqlite-writer-worker runs as a worker thread');
  const post = (message: FromWriter) => port.postMessage(message);
  const data = workerData as WriterThreadData;
  let db;
  let writer: SqliteAppendWriter;
  try {
    db = openSqliteDatabase({ path: data.path, busyTimeoutMs: data.busyTimeoutMs });
    writer = new SqliteAppendWriter(db);
  } catch (error) {
    post({ kind: 'opening-failed', failure: failureData(error) });
    return;
  }
  const connection = db;
  port.on('message', (message: ToWriter) => {
    if (message.kind === 'close') {
      connection.close();
      post({ kind: 'closed' });
      port.close();
      return;
    }
    try {
      const outcomes = writer.write(message.batch).map(outcomeData);
      post({ kind: 'written', id: message.id, outcomes });
    } catch (error) {
      post({ kind: 'failed', id: message.id, failure: failureData(error) });
    }
  });
  post({ kind: 'ready' });
}

main();
