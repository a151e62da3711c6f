import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CliIo } from '../../../apps/ledger-cli/src/cli-io';
import type { ExitCode } from '../../../apps/ledger-cli/src/exit-codes';
import { runCli } from '../../../apps/ledger-cli/src/main';
import { DemoClient } from '../../../apps/ledger-cli/src/demo/demo-client';
import { startDemoServer } from '../../../apps/ledger-cli/src/demo/demo-server';
import { HoldsStory } from '../../../apps/ledger-cli/src/demo/holds-story';
import { LaunchStory, STORY_START } from '../../../apps/ledger-cli/src/demo/launch-story';
import { Narrator } from '../../../apps/ledger-cli/src/demo/narration';

/**
 * A real ledger data dir (SQLite log, snapshots) holding the demo's launch week, written through
 * the real HTTP server: alice (plus) buys credits after a rejection, carol's promo expires, dave
 * is refunded, bob (pro) fills his weekly window, and the operator resets everyone's Codex limits.
 */
export async function launchWeekLedger(): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-test-'));
  const server = await startDemoServer(dataDir, STORY_START);
  try {
    await new LaunchStory(new DemoClient(server.baseUrl), new Narrator(() => undefined)).play();
  } finally {
    await server.close();
  }
  return dataDir;
}

/**
 * A ledger holding only the demo's holds chapter (issue 17), through the real HTTP server: frank
 * holds a task's token estimate, a second hold is refused, the first settles, a failed task is
 * settled and reversed. On EventStoreDB when `eventStore` is a connection string (the double).
 */
export async function holdsLedger(eventStore = ''): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-holds-'));
  const server = await startDemoServer(dataDir, STORY_START, eventStore);
  try {
    await new HoldsStory(new DemoClient(server.baseUrl), new Narrator(() => undefined)).play();
  } finally {
    await server.close();
  }
  return dataDir;
}

/** A copy, for tests that change the read models (rebuild, tampering). */
export function copyOfLedger(dataDir: string): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-cli-copy-'));
  fs.cpSync(dataDir, copy, { recursive: true });
  return copy;
}

export function removeLedger(dataDir: string): void {
  fs.rmSync(dataDir, { recursive: true, force: true });
}

export interface CliRun {
  readonly code: ExitCode;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `ledger <argv>` in this process against `dataDir`, capturing what it prints. */
export async function ledger(
  dataDir: string,
  argv: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: {
      write: (chunk: string) => {
        stdout += chunk;
        return true;
      },
    },
    stderr: {
      write: (chunk: string) => {
        stderr += chunk;
        return true;
      },
    },
    env: { LEDGER_DATA_DIR: dataDir, LOG_LEVEL: 'error', ...env },
  };

  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
