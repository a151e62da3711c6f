import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Ack, CrashLine, Intent } from './crash-protocol';

const ROOT = join(__dirname, '..', '..');
const REGISTER_TS = join(ROOT, 'test', 'support', 'register-ts.js');
const WRITER = join(__dirname, 'crash-writer.ts');

export interface WriterRun {
  readonly lines: CrashLine[];
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly stderr: string;
}

/**
 * Starts a crash writer and SIGKILLs it `killAfterMs` after it opened the store. Only complete
 * lines count: a line cut by the kill was never fully acknowledged.
 */
export function runWriterUntilKilled(
  dbPath: string,
  writer: string,
  pending: readonly Intent[],
  killAfterMs: number,
  seed: number,
): Promise<WriterRun> {
  const pendingPath = `${dbPath}.${writer}.pending.json`;
  writeFileSync(pendingPath, JSON.stringify(pending));
  const child = spawn(
    process.execPath,
    ['--require', REGISTER_TS, WRITER, dbPath, writer, pendingPath, String(seed)],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: CrashLine[] = [];
  let partial = '';
  let stderr = '';
  let killTimer: NodeJS.Timeout | undefined;
  // A bound on everything: a writer that never opens is killed too, and the run reports it.
  const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) {
      const line = JSON.parse(part) as CrashLine;
      lines.push(line);
      if (line.kind === 'open') killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      clearTimeout(deadline);
      resolve({ lines, signal, code, stderr });
    }),
  );
}

/** What the writers were told: every acknowledged batch, and per writer the appends still in flight. */
export class CrashBook {
  readonly acks = new Map<string, Ack>();
  private readonly inFlight = new Map<string, Map<string, Intent>>();

  record(writer: string, lines: readonly CrashLine[]): void {
    const mine = this.inFlightOf(writer);
    for (const line of lines) {
      if (line.kind === 'intent') mine.set(line.intent.batchId, line.intent);
      if (line.kind === 'ack') {
        mine.delete(line.ack.batchId);
        this.acks.set(line.ack.batchId, line.ack);
      }
    }
  }

  pending(writer: string): Intent[] {
    return [...this.inFlightOf(writer).values()];
  }

  private inFlightOf(writer: string): Map<string, Intent> {
    let intents = this.inFlight.get(writer);
    if (intents === undefined) this.inFlight.set(writer, (intents = new Map()));
    return intents;
  }
}

/**
 * Checks the file as a reader after the crash finds it; returns the problems (empty when sound).
 * Read-only SQL, so the check cannot repair what it inspects.
 */
export function findLogProblems(dbPath: string, acks: Iterable<Ack>): string[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    const problems: string[] = [];
    const log = db
      .prepare('SELECT COUNT(*) AS n, MIN(position) AS first, MAX(position) AS last FROM events')
      .get() as {
      n: number;
      first: number | null;
      last: number | null;
    };
    // position is the integer primary key: n rows from 1 to n are exactly 1..n, no gap.
    if (log.n > 0 && (log.first !== 1 || log.last !== log.n)) {
      problems.push(`positions not 1..${log.n}: ${log.first}..${log.last}`);
    }
    const streams = db
      .prepare(
        `SELECT stream FROM events GROUP BY stream HAVING MIN(revision) <> 0 OR MAX(revision) <> COUNT(*) - 1`,
      )
      .all() as { stream: string }[];
    for (const { stream } of streams) problems.push(`stream ${stream}: revisions not contiguous from 0`);
    const batches = db
      .prepare(
        `SELECT json_extract(metadata, '$.batchId') AS batchId FROM events
         GROUP BY batchId
         HAVING COUNT(*) <> MIN(json_extract(metadata, '$.batchSize'))
             OR MAX(position) - MIN(position) <> COUNT(*) - 1
             OR MAX(revision) - MIN(revision) <> COUNT(*) - 1
             OR COUNT(DISTINCT stream) <> 1`,
      )
      .all() as { batchId: string }[];
    for (const { batchId } of batches) problems.push(`batch ${batchId}: half-written or scattered`);
    const at = db.prepare(
      `SELECT stream, revision, json_extract(metadata, '$.batchId') AS batchId,
              json_extract(metadata, '$.index') + 1 = json_extract(metadata, '$.batchSize') AS isLast
       FROM events WHERE position = ?`,
    );
    for (const ack of acks) {
      const row = at.get(BigInt(ack.position)) as
        { stream: string; revision: number; batchId: string; isLast: number } | undefined;
      if (
        row === undefined ||
        row.stream !== ack.stream ||
        String(row.revision) !== ack.revision ||
        row.batchId !== ack.batchId ||
        row.isLast !== 1
      ) {
        problems.push(`acknowledged batch ${ack.batchId} at ${ack.position} missing or moved`);
      }
    }
    return problems;
  } finally {
    db.close();
  }
}
