import * as path from 'node:path';
import { sampleCpu } from '../http/cpu-usage';
import type { startLedgerServer as StartLedgerServer } from '../http/ledger-server';
import type { openAccounts as OpenAccounts, runLoad as RunLoad } from '../http/load-client';

/**
 * A/B of two builds of the ledger on this machine, alternating A, B, A, B… so both see the same
 * noise from other work on a shared box: `node dist/bench/micro/http-ab.js <rootA> <rootB> [rounds]`
 * (each root a checkout with `npm run build` done). Prints each run and the medians, in requests/s
 * (usage, entitlement) or records/s (batch), and the server's main-thread CPU per request or record.
 */
interface Harness {
  readonly startLedgerServer: typeof StartLedgerServer;
  readonly openAccounts: typeof OpenAccounts;
  readonly runLoad: typeof RunLoad;
  readonly key: string;
}

/** Accounts opened before each run (HTTP_AB_ACCOUNTS): fewer make a run shorter on a busy box. */
const ACCOUNTS = Number(process.env.HTTP_AB_ACCOUNTS ?? 2_000);

async function harnessOf(root: string): Promise<Harness> {
  const server = (await import(path.join(root, 'dist/bench/http/ledger-server'))) as {
    startLedgerServer: typeof StartLedgerServer;
    BENCH_SERVICE_KEY: string;
  };
  const client = (await import(path.join(root, 'dist/bench/http/load-client'))) as {
    openAccounts: typeof OpenAccounts;
    runLoad: typeof RunLoad;
  };
  return { ...server, ...client, key: server.BENCH_SERVICE_KEY };
}

type Kind = 'usage' | 'batch' | 'entitlement';

/** Per second (requests, or records of a batch), and the server's main-thread CPU per one of them in µs. */
interface Figure {
  readonly rate: number;
  readonly mainUs: number;
  /** The server's other threads (projection worker, SQLite writer, GC helpers) per unit, µs. */
  readonly otherUs: number;
}

async function oneRun(root: string, kind: Kind, round: number): Promise<Figure> {
  const h = await harnessOf(root);
  const server = await h.startLedgerServer(root);
  try {
    await h.openAccounts(server.url, h.key, ACCOUNTS);
    const job = (runTag: string, durationS: number) => ({
      url: server.url,
      apiKey: h.key,
      scenario:
        kind === 'usage'
          ? ({ kind: 'usage', accounts: ACCOUNTS, runTag } as const)
          : kind === 'batch'
            ? ({ kind: 'batch', accounts: ACCOUNTS, runTag, recordsPerRequest: 1000 } as const)
            : ({ kind: 'entitlement', accounts: ACCOUNTS } as const),
      connections: kind === 'batch' ? 4 : 32,
      durationS,
    });
    await h.runLoad(job(`warm-${round}`, 3));
    const before = sampleCpu(server.pid);
    const result = await h.runLoad(job(`run-${round}`, 10));
    const after = sampleCpu(server.pid);
    const units = result.ok * (kind === 'batch' ? 1000 : 1);
    const mainMs = before && after ? after.mainMs - before.mainMs : Number.NaN;
    const otherMs = before && after ? after.otherMs - before.otherMs : Number.NaN;
    return {
      rate: units / result.durationS,
      mainUs: (mainMs * 1000) / units,
      otherUs: (otherMs * 1000) / units,
    };
  } finally {
    await server.stop();
  }
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main(): Promise<void> {
  const [rootA, rootB, roundsText = '3', kinds = 'usage,batch,entitlement'] = process.argv.slice(2);
  if (rootA === undefined || rootB === undefined)
    throw new Error('usage: http-ab <rootA> <rootB> [rounds] [kinds]');
  const rounds = Number(roundsText);
  for (const kind of kinds.split(',') as Kind[]) {
    const figures: Record<'A' | 'B', Figure[]> = { A: [], B: [] };
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so neither build always runs on a warmer or colder box.
      const order: ('A' | 'B')[] = round % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
      for (const which of order) {
        const figure = await oneRun(which === 'A' ? rootA : rootB, kind, round);
        figures[which].push(figure);
        console.log(
          `${kind} round ${round} ${which}: ${figure.rate.toFixed(0)}/s, ${figure.mainUs.toFixed(1)} µs main thread, ${figure.otherUs.toFixed(1)} µs other threads`,
        );
      }
    }
    const rate = (which: 'A' | 'B') => median(figures[which].map((f) => f.rate));
    const cpu = (which: 'A' | 'B') => median(figures[which].map((f) => f.mainUs));
    const other = (which: 'A' | 'B') => median(figures[which].map((f) => f.otherUs));
    console.log(
      `${kind} median A ${rate('A').toFixed(0)}/s ${cpu('A').toFixed(1)} µs, B ${rate('B').toFixed(0)}/s ${cpu('B').toFixed(1)} µs` +
        ` (rate B/A ${(rate('B') / rate('A')).toFixed(3)}, main-thread CPU B/A ${(cpu('B') / cpu('A')).toFixed(3)};` +
        ` other threads A ${other('A').toFixed(1)} µs, B ${other('B').toFixed(1)} µs)`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
