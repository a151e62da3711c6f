import { printFigure, projectRoot, saveReport, type Figure } from './bench-report';
import { benchCommandHandling } from './command-handling.bench';
import { benchHttp, HTTP_FULL, HTTP_QUICK } from './http.bench';
import { benchEmmettRecordUsage } from './peer-emmett/emmett-record-usage.bench';
import { ensurePeerInstalled } from './peer-emmett/install-peer';
import { projectionsBench } from './projections.bench';

/**
 * `npm run bench` (full sizes) or `npm run bench -- --quick`: every figure from one run, side by
 * side, printed as `bench <name> <value> <unit>` and saved to bench/results/latest.json and
 * docs/BENCHMARKS.md.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const root = projectRoot(__dirname);
  // Before any figure: a peer that cannot be installed fails the run in seconds, not after it.
  ensurePeerInstalled(root);
  const figures: Figure[] = [];
  const add = (list: Figure[]) => {
    for (const figure of list) {
      printFigure(figure);
      figures.push(figure);
    }
  };
  const commandSizes = quick
    ? { accounts: 1_000, commands: 20_000, coldSmall: 1_000, coldLarge: 10_000 }
    : { accounts: 10_000, commands: 200_000, coldSmall: 1_000, coldLarge: 100_000 };
  const commandFigures = await benchCommandHandling(commandSizes);
  add(commandFigures);
  const emmett = await benchEmmettRecordUsage(root, {
    accounts: commandSizes.accounts,
    commands: commandSizes.commands,
    ledgerInFlight: 2_048, // as record_usage_per_s runs it (command-handling.bench.ts)
    maxSeconds: quick ? 5 : 60,
  });
  const recordUsage = commandFigures.find((f) => f.name === 'record_usage_per_s');
  if (recordUsage === undefined) throw new Error('record_usage_per_s missing from the command bench');
  add([
    emmett,
    {
      name: 'record_usage_vs_emmett',
      value: recordUsage.value / emmett.value,
      unit: 'ratio',
      note: 'record_usage_per_s / peer_emmett_record_usage_per_s, same run',
    },
  ]);
  add(
    (await projectionsBench(quick ? { events: 100_000, timelineEvents: 20_000 } : {})).map((f) => ({
      ...f,
      note: f.note ?? 'first page + asOf on one account',
    })),
  );
  add(await benchHttp(root, quick ? HTTP_QUICK : HTTP_FULL));
  saveReport(root, figures, quick ? 'quick' : 'full');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
