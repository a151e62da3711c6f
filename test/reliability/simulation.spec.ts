import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../crash/seeded-random';
import { RELIABILITY, reportFigures } from './support/reliability-env';
import { loadCard } from './simulation/model-money';
import { ReferenceLedger } from './simulation/reference-model';
import { SimulatedLedger } from './simulation/sim-harness';
import type { Outcome } from './simulation/sim-types';
import { Workload } from './simulation/sim-workload';

// A seeded simulation (TigerBeetle's VOPR, in miniature): a long random workload through the real
// command services and SQLite store, every outcome checked as it happens against a small reference
// model. RELIABILITY_SIM_OPS sets the length; RELIABILITY_SEED replays a failure exactly.
const SEED = RELIABILITY.seed;
const OPS = RELIABILITY.simOps;
const START = Date.parse('2026-11-01T00:00:00.000Z');
/** Every this many operations the services restart: caches dropped, state loaded from snapshots + log. */
const RESTART_EVERY = 25_000;

describe(`seeded simulation against a reference model (seed ${SEED})`, () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-sim-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    `agrees with the model on every one of ${OPS} operations`,
    async () => {
      const random = seededRandom(SEED);
      const workload = new Workload(random, 24, Math.max(50, Math.round(OPS / 2_500)));
      const model = new ReferenceLedger(loadCard());
      const ledger = await SimulatedLedger.start(dir, START);
      const figures = {
        ops: 0,
        rounds: 0,
        duplicates: 0,
        restarts: 0,
        clockJumps: 0,
        outcomes: {} as Record<string, number>,
      };
      const started = Date.now();
      let nextRestart = RESTART_EVERY;
      try {
        while (figures.ops < OPS) {
          const round = workload.next(ledger.now());
          if (round.advanceMs > 0) figures.clockJumps += 1;
          ledger.advanceBy(round.advanceMs);
          const now = ledger.now();
          const actual = await Promise.all(
            round.lanes.map(({ op, duplicate }) =>
              Promise.all(duplicate ? [ledger.run(op), ledger.run(op)] : [ledger.run(op)]),
            ),
          );
          round.lanes.forEach(({ op, duplicate }, lane) => {
            const expected = duplicate ? [model.run(op, now), model.run(op, now)] : [model.run(op, now)];
            // Two copies of one command race: either may go first, so compare them as a set.
            const order = (list: Outcome[]) => list.map((o) => JSON.stringify(o)).sort();
            if (JSON.stringify(order(actual[lane])) !== JSON.stringify(order(expected))) {
              throw new Error(
                `divergence at operation ${figures.ops + lane} (seed ${SEED}, clock ${new Date(now).toISOString()}):\n` +
                  `command: ${JSON.stringify(op)}\nmodel:   ${JSON.stringify(expected)}\nledger:  ${JSON.stringify(actual[lane])}`,
              );
            }
            for (const outcome of expected) {
              const key =
                outcome.kind === 'error'
                  ? `error:${outcome.code}`
                  : outcome.kind === 'appended'
                    ? String(outcome.events[outcome.events.length - 1].type)
                    : outcome.kind;
              figures.outcomes[key] = (figures.outcomes[key] ?? 0) + 1;
            }
            figures.duplicates += duplicate ? 1 : 0;
          });
          figures.ops += round.lanes.reduce((n, lane) => n + (lane.duplicate ? 2 : 1), 0);
          figures.rounds += 1;
          if (figures.ops >= nextRestart) {
            nextRestart += RESTART_EVERY;
            await ledger.restart();
            figures.restarts += 1;
          }
        }
      } finally {
        await ledger.close();
      }
      const seconds = (Date.now() - started) / 1000;
      reportFigures('simulation', {
        seed: SEED,
        ...figures,
        seconds,
        opsPerSecond: Math.round(figures.ops / seconds),
        simulatedDays: Math.round((ledger.now() - START) / 86_400_000),
        divergences: 0,
      });
    },
    60_000 + OPS * 2,
  );
});
