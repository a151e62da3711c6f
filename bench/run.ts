import {
  printFigure,
  projectRoot,
  ratioFigures,
  renamed,
  saveReport,
  sortedForReport,
  type Figure,
} from './bench-report';
import { benchCommandHandling } from './command-handling.bench';
import { benchHttpFloors } from './floors/http-floors.bench';
import { benchHttp, HTTP_FULL, HTTP_QUICK } from './http.bench';
import { benchMemberUsage } from './org-members.bench';
import { benchEmmettRecordUsage } from './peer-emmett/emmett-record-usage.bench';
import { ensurePeerInstalled } from './peer-emmett/install-peer';
import { projectionsBench } from './projections.bench';

import { benchProjectionCap } from './scaling/projection-cap.bench';
import { benchWebhookDelivery, WEBHOOK_FULL, WEBHOOK_QUICK } from './webhooks/webhook-delivery.bench';

/**
 * `npm run bench` (full sizes) or `npm run bench -- --quick`: every figure and the floors that bound
 * them from one run, printed as `bench <name> <value> <unit>` and saved, each floor and ratio beside
 * the figure it bounds (figure-layout.ts), to bench/results/latest.json and docs/BENCHMARKS.md.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const root = projectRoot(__dirname);
  // Before any figure: a peer that cannot be installed fails the run in seconds, not after it.
  ensurePeerInstalled(root);
  const figures: Figure[] = [];
  const add = (list: readonly Figure[]) => {
    for (const figure of list.map(renamed)) {
      printFigure(figure);
      figures.push(figure);
    }
  };
  const commandSizes = quick
    ? { accounts: 1_000, commands: 20_000, coldSmall: 1_000, coldLarge: 10_000 }
    : { accounts: 10_000, commands: 200_000, coldSmall: 1_000, coldLarge: 100_000 };
  const httpSizes = quick ? HTTP_QUICK : HTTP_FULL;
  add(await benchCommandHandling({ ...commandSizes, groupCommitRows: httpSizes.usageConnections }));
  add([
    await benchEmmettRecordUsage(root, {
      accounts: commandSizes.accounts,
      commands: commandSizes.commands,
      ledgerInFlight: 2_048, // as command_path_per_s runs it (command-handling.bench.ts)
      maxSeconds: quick ? 5 : 60,
    }),
  ]);
  add(
    (await projectionsBench(quick ? { events: 100_000, timelineEvents: 20_000 } : {})).map((f) => ({
      ...f,
      note: f.note ?? 'first page + asOf on one account',
    })),
  );
  add(await benchProjectionCap(quick ? 100_000 : 600_000));
  add(await benchHttp(root, httpSizes));
  add(await benchMemberUsage(root, httpSizes));
  add(await benchHttpFloors(root, httpSizes));
  add(await benchWebhookDelivery(root, quick ? WEBHOOK_QUICK : WEBHOOK_FULL));
  add(ratioFigures(figures));
  saveReport(root, sortedForReport(figures), quick ? 'quick' : 'full');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
