import { benchHttp, HTTP_FULL } from './http.bench';
import { projectionsBench } from './projections.bench';
import { printFigure, projectRoot, type Figure } from './bench-report';

/**
 * `node dist/bench/only.js projections [events]` or `node dist/bench/only.js http`: one group of
 * figures, printed but not saved (a profiling aid; `npm run bench` is the run of record).
 */
async function main(): Promise<void> {
  const [group, size] = process.argv.slice(2);
  if (group === 'projections') {
    const events = Number(size ?? 1_000_000);
    printWithNotes(await projectionsBench({ events, timelineEvents: Math.min(100_000, events / 5) }));
  } else if (group === 'http') {
    printWithNotes(await benchHttp(projectRoot(__dirname), HTTP_FULL));
  } else {
    throw new Error('usage: only.js projections [events] | http');
  }
}

function printWithNotes(figures: readonly Figure[]): void {
  for (const figure of figures) {
    printFigure(figure);
    if (figure.note !== undefined) console.log(`  ${figure.note}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
