import { benchHttp, HTTP_FULL } from './http.bench';
import { projectionsBench } from './projections.bench';
import { printFigure, projectRoot } from './bench-report';

/**
 * `node dist/bench/only.js projections [events]` or `node dist/bench/only.js http`: one group of
 * figures, printed but not saved (a profiling aid; `npm run bench` is the run of record).
 */
async function main(): Promise<void> {
  const [group, size] = process.argv.slice(2);
  if (group === 'projections') {
    const events = Number(size ?? 1_000_000);
    const figures = await projectionsBench({ events, timelineEvents: Math.min(100_000, events / 5) });
    for (const figure of figures) {
      printFigure(figure);
      if (figure.note !== undefined) console.log(`  ${figure.note}`);
    }
  } else if (group === 'http') {
    for (const figure of await benchHttp(projectRoot(__dirname), HTTP_FULL)) {
      printFigure(figure);
      if (figure.note !== undefined) console.log(`  ${figure.note}`);
    }
  } else {
    throw new Error('usage: only.js projections [events] | http');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
