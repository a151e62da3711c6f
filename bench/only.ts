import { printFigure, projectRoot, renamed, type Figure } from './bench-report';
import { benchCommandHandling } from './command-handling.bench';
import { benchHttpFloors } from './floors/http-floors.bench';
import { HTTP_FLOOR_KINDS, type HttpFloorKind } from './floors/http-floor-server';
import { benchHttp, HTTP_FULL, HTTP_QUICK, HTTP_SCENARIOS, type HttpScenario } from './http.bench';
import { benchMemberUsage } from './org-members.bench';
import { projectionsBench } from './projections.bench';
import { benchProjectionCap } from './scaling/projection-cap.bench';
import { benchWebhookDelivery, WEBHOOK_FULL, WEBHOOK_QUICK } from './webhooks/webhook-delivery.bench';

const USAGE = `usage: only.js [--quick] http [${HTTP_SCENARIOS.join('|')}…] | floors [${HTTP_FLOOR_KINDS.join('|')}…] | members | webhooks | command [commands] | projections [events] | cap [events]`;

/**
 * One group of figures, or one scenario, printed but not saved: a profiling aid (`npm run bench` is
 * the run of record). Profile the ledger server under one scenario with
 * `BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node dist/bench/only.js http usage`,
 * then `node dist/bench/profiles/summarise.js /tmp/prof/<file>.cpuprofile`.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  // --quick: the HTTP groups at `npm run bench -- --quick` sizes (1,000 accounts, 3 s runs): a smoke test.
  const httpSizes = args.includes('--quick') ? HTTP_QUICK : HTTP_FULL;
  const [group, ...rest] = args.filter((a) => a !== '--quick');
  const root = projectRoot(__dirname);
  switch (group) {
    case 'http':
      return print(await benchHttp(root, httpSizes, pick(rest, HTTP_SCENARIOS) as HttpScenario[]));
    case 'members':
      return print(await benchMemberUsage(root, httpSizes));
    case 'floors':
      return print(await benchHttpFloors(root, httpSizes, pick(rest, HTTP_FLOOR_KINDS) as HttpFloorKind[]));
    case 'command': {
      const commands = Number(rest[0] ?? 200_000);
      return print(
        await benchCommandHandling({
          accounts: 10_000,
          commands,
          coldSmall: 1_000,
          coldLarge: 10_000,
          groupCommitRows: 32,
        }),
      );
    }
    case 'projections': {
      const events = Number(rest[0] ?? 1_000_000);
      return print(await projectionsBench({ events, timelineEvents: Math.min(100_000, events / 5) }));
    }
    case 'cap':
      return print(await benchProjectionCap(Number(rest[0] ?? 600_000)));
    case 'webhooks':
      return print(await benchWebhookDelivery(root, args.includes('--quick') ? WEBHOOK_QUICK : WEBHOOK_FULL));
    default:
      throw new Error(USAGE);
  }
}

/** The names asked for (all when none), refusing unknown ones. */
function pick(asked: readonly string[], known: readonly string[]): string[] {
  const unknown = asked.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`unknown ${unknown.join(', ')}; ${USAGE}`);
  return asked.length === 0 ? [...known] : [...asked];
}

function print(figures: readonly Figure[]): void {
  for (const figure of figures.map(renamed)) {
    printFigure(figure);
    if (figure.note !== undefined) console.log(`  ${figure.note}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
