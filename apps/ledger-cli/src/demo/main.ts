import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { processIo, type CliIo } from '../cli-io';
import { ExitCode } from '../exit-codes';
import { runCli } from '../main';
import { DemoClient } from './demo-client';
import { startDemoServer } from './demo-server';
import { LaunchStory, STORY_START } from './launch-story';
import { HoldsStory } from './holds-story';
import { AlertsStory } from './alerts-story';
import { Narrator } from './narration';
import { OrgStory } from './org-story';

/**
 * `npm run demo`: a fresh data dir, the real server on a free port with a simulated clock, the
 * launch story and the holds chapter played through the HTTP API, then what support and finance
 * see with the CLI.
 * Exits non-zero if any step answers other than the story expects, so it doubles as a smoke test.
 */
async function main(): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-demo-'));
  const narrator = new Narrator((line) => process.stdout.write(line));
  narrator.raw(`Credits ledger demo: data dir ${dataDir}, simulated clock from ${STORY_START}\n`);
  const server = await startDemoServer(dataDir, STORY_START);
  try {
    narrator.raw(`The ledger listens on ${server.baseUrl}; everything below goes through its HTTP API.\n`);
    const client = new DemoClient(server.baseUrl);
    await new LaunchStory(client, narrator).play();
    await new HoldsStory(client, narrator).play();
    await new OrgStory(client, narrator).play();
    await new AlertsStory(client, narrator).play();
  } finally {
    await server.close();
  }
  const io: CliIo = {
    ...processIo(),
    env: { ...process.env, LEDGER_DATA_DIR: dataDir, EVENTSTORE_CONNECTION_STRING: '' },
  };
  const steps: readonly (readonly string[])[] = [
    ['timeline', 'alice'],
    ['explain', 'alice', 'alice-u2'],
    ['explain', 'alice', 'alice-u6'],
    ['explain', 'bob', 'bob-u11'],
    ['timeline', 'frank'],
    ['explain', 'frank', 'frank-u-task-3'],
    ['org', 'acme'],
    ['timeline', 'ivan'],
    ['verify'],
    ['trial-balance'],
  ];
  for (const argv of steps) {
    narrator.chapter(`$ ledger ${argv.join(' ')}`);
    narrator.raw('\n');
    const code = await runCli(argv, io);
    if (code !== ExitCode.ok) return code;
  }
  narrator.raw(`\nThe data dir is kept: LEDGER_DATA_DIR=${dataDir} npx ledger timeline bob\n`);
  return ExitCode.ok;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
