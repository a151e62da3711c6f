import type { EventStore } from '@ledger/event-store';
import fc from 'fast-check';
import { CLOCK, type SimulatedClock } from '../../apps/ledger/src/clock/clock';
import { AccountCommandsService } from '../../apps/ledger/src/core/account-commands.service';
import { EVENT_STORE } from '../../apps/ledger/src/store/store.tokens';
import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../support/ledger-app';
import { HoldsHttpRun } from './support/holds-http-run';
import { checkAccount, checkRun, streamAtHead, type RunTally } from './support/holds-log-checks';
import { ACCOUNTS, HOUR, runOf, seeded, type Cmd } from './support/holds-workload';

/**
 * Holds (SPEC §6, issue 17) as a seeded fast-check property through the REAL HTTP app, on each event
 * store engine (an SQLite file; EventStoreDB through its official client against the wire double).
 * Each run: two accounts, then random purchases, grants, usage, holds of several lines and TTLs,
 * settlements within / exactly at / beyond their hold, releases, reversals, refunds, caps, plan
 * changes, account and global window resets, clock moves (with the expiry sweep, or quietly so the
 * next command meets due holds on the lazy path), concurrent bursts on one account (holds, usage and
 * settlements racing for the last credits), new requests sent twice at once, retries of earlier
 * requests (same answer, 200 + Idempotent-Replayed), and every fifth run a restart of the app
 * halfway. After every burst, the account's books are checked; after the run, past every expiry
 * (lazily on one account, by the sweep for the rest), all the checks of holds-log-checks.ts, from the
 * log and the API: the books, nothing held, GET of every hold = the log's fold, every acknowledged
 * answer in the log at the position it named, trial balance zero, verify clean.
 *
 * FC_RUNS (default 25) runs per engine, FC_SEED replays one seed (the failure names it), FC_LENGTH the
 * most commands per run (default 60), FC_SHRINK=1 shrinks a failure (slow: every step is real I/O).
 */
const RUNS = Number(process.env.FC_RUNS ?? 25);
const LENGTH = Number(process.env.FC_LENGTH ?? 60);
/** Past every hold's expiry (the longest TTL is a day) and the grants' of the run's opening. */
const PAST_EVERY_EXPIRY = 31 * HOUR;
/** Runs between restarts of the app (mid-run). */
const RESTART_EVERY_RUNS = 5;

describe.each(ENGINES)('holds on the real HTTP app, seeded property [%s]', (engine) => {
  let ledger: TestLedger;
  let clock: SimulatedClock;
  let store: EventStore;
  let accounts: AccountCommandsService;
  let runs = 0;
  const tally: RunTally = { events: {}, holdCases: {} };
  const figures = {
    runs: 0,
    restarts: 0,
    commands: 0,
    requests: 0,
    bursts: 0,
    retriesReplayed: 0,
    sentTwiceAtOnce: 0,
  };

  const attach = (started: TestLedger) => {
    ledger = started;
    clock = ledger.app.get<SimulatedClock>(CLOCK);
    store = ledger.app.get<EventStore>(EVENT_STORE);
    accounts = ledger.app.get(AccountCommandsService);
  };
  /**
   * Stops the app and starts a new one on the same SQLite file / EventStoreDB double: caches dropped,
   * accounts load from snapshots + the log, the read side resumes from its checkpoint. The simulated
   * clock restarts at the log's time: set forward to where it was (quiet moves append nothing).
   */
  const restart = async () => {
    const before = clock.now();
    attach(await ledger.restart());
    if (clock.now() < before) clock.advanceBy(before - clock.now());
    figures.restarts += 1;
  };

  beforeAll(async () => {
    // The periodic sweep would run at random moments: only the clock moves (POST /v1/admin/clock) sweep.
    attach(await startTestLedger({ LEDGER_EXPIRY_SWEEP_MS: '86400000' }, { engine }));
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  async function oneRun(cmds: readonly Cmd[]): Promise<void> {
    runs += 1;
    const run = new HoldsHttpRun(
      () => ledger,
      `${engine === 'sqlite' ? 's' : 'e'}${runs}`,
      ACCOUNTS,
      (ms) => clock.advanceBy(ms),
    );
    await run.open(clock.now());
    const midway: string[] = [];
    for (const [i, cmd] of cmds.entries()) {
      // Every fifth run restarts the app halfway: later commands, retries of earlier ones and the
      // checks meet a ledger rebuilt from snapshots and the log.
      if (runs % RESTART_EVERY_RUNS === 0 && i === Math.floor(cmds.length / 2)) await restart();
      await run.run(cmd, clock.now());
      if (cmd.kind !== 'burst') continue;
      figures.bursts += 1;
      // Right after the race: the account's books, held credits and holds, as the log and the API say.
      const { accountId, holds } = run.accounts[cmd.a];
      const { events, q } = await streamAtHead(ledger, store, accountId);
      const found = await checkAccount(ledger, accountId, events, holds, accounts, q, {
        expectNothingHeld: false,
      });
      midway.push(...found.map((p) => `after a burst of ${cmd.cmds.map((c) => c.kind).join(', ')}: ${p}`));
    }
    // Past every expiry: quietly, then one command on the first account (its due holds expire on the
    // lazy path, before the usage is decided), then the clock endpoint's sweep for the rest.
    clock.advanceBy(PAST_EVERY_EXPIRY);
    await run.run({ kind: 'usage', a: 0, line: { operation: 'local_message', quantity: 1 } }, clock.now());
    await ledger.advanceClock(1);
    const problems = [
      ...midway,
      ...(await checkRun(ledger, run, store, accounts, tally, { expectNothingHeld: true })),
    ];
    figures.runs += 1;
    figures.commands += cmds.length;
    figures.requests += run.sent.length;
    figures.retriesReplayed += run.retries.replayed;
    figures.sentTwiceAtOnce += run.retries.twice;
    if (problems.length > 0)
      throw new Error(
        `run ${run.prefix} broke ${problems.length} rule(s):\n${problems.slice(0, 30).join('\n')}`,
      );
  }

  /** Cases the workload must reach (else the property proves little about them). */
  const missing = () => [
    ...['settled within', 'settled exactly at', 'settled beyond, paid', 'released'].filter(
      (c) => tally.holdCases[c] === undefined,
    ),
    ...['expired', 'settled beyond, uncollected'].filter(
      (c) => !Object.keys(tally.holdCases).some((k) => k.startsWith(c)),
    ),
    ...(figures.retriesReplayed > 0 ? [] : ['a retry replayed']),
  ];

  it(
    `keeps every credit exact under random and concurrent holds, settlements, usage, expiry and retries (${RUNS} runs)`,
    async () => {
      const started = Date.now();
      const seeds: number[] = [];
      // A batch rarely misses a case (a settlement beyond its hold that is paid in full is the rarest):
      // then another batch, with its own seed, checked in full; at most 3 (with FC_SEED, just the one).
      const batches = process.env.FC_SEED ? 1 : 3;
      for (let batch = 0; batch < batches && (batch === 0 || missing().length > 0); batch++) {
        const options = seeded(RUNS);
        seeds.push(options.seed);
        await fc
          .assert(
            fc.asyncProperty(runOf(LENGTH), (cmds) => oneRun(cmds)),
            options,
          )
          .catch((error: unknown) => {
            // fast-check 4 keeps the run's own error as the cause: the rules it broke.
            const cause = (error as { cause?: unknown }).cause;
            throw new Error(
              `${String(error)}${cause instanceof Error ? `\n${cause.message}` : ''}\nreplay with FC_SEED=${options.seed} FC_RUNS=${RUNS} FC_LENGTH=${LENGTH}` +
                ' (bursts are concurrent: their interleaving may differ on replay)',
            );
          });
      }
      console.log(
        `[holds-engines ${engine}] seeds ${seeds.join(', ')}: ${JSON.stringify({ ...figures, seconds: (Date.now() - started) / 1000, holdCases: tally.holdCases, events: tally.events })}`,
      );
      expect(missing()).toEqual([]);
    },
    Math.max(300_000, 3 * RUNS * 10_000),
  ); // up to 3 batches; a run takes ~1–3 s
});
