import * as fs from 'node:fs';
import * as path from 'node:path';
import { printFigure, saveReport, type Figure } from './bench-report';
import { benchCommandHandling } from './command-handling.bench';
import { projectionsBench } from './projections.bench';

/**
 * `npm run bench` (full sizes) or `npm run bench -- --quick`: every figure from one run, side by
 * side, printed as `bench <name> <value> <unit>` and saved to bench/results/latest.json and
 * docs/BENCHMARKS.md.
 */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const root = projectRoot(__dirname);
  const figures: Figure[] = [];
  const add = (list: Figure[]) => {
    for (const figure of list) {
      printFigure(figure);
      figures.push(figure);
    }
  };
  add(
    await benchCommandHandling(
      quick
        ? { accounts: 1_000, commands: 20_000, coldSmall: 1_000, coldLarge: 10_000 }
        : { accounts: 10_000, commands: 200_000, coldSmall: 1_000, coldLarge: 100_000 },
    ),
  );
  add(
    (await projectionsBench(quick ? { events: 100_000, timelineEvents: 20_000 } : {})).map((f) => ({
      ...f,
      note: f.name.startsWith('timeline')
        ? 'first page + asOf on one account'
        : 'rebuild of all four read models from position 0',
    })),
  );
  saveReport(root, figures, quick ? 'quick' : 'full');
}

function projectRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
