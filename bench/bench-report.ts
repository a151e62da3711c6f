import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** What was measured, in a few words (goes to docs/BENCHMARKS.md). */
  readonly note?: string;
}

export function printFigure(figure: Figure): void {
  const value = Number.isInteger(figure.value) ? String(figure.value) : figure.value.toFixed(2);
  console.log(`bench ${figure.name} ${value} ${figure.unit}`);
}

export function machineDescription(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown cpu'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
}

/** Writes bench/results/latest.json and appends a dated section to docs/BENCHMARKS.md. */
export function saveReport(root: string, figures: readonly Figure[], mode: string): void {
  const when = new Date().toISOString();
  const machine = machineDescription();
  const resultsDir = path.join(root, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(
    path.join(resultsDir, 'latest.json'),
    JSON.stringify({ when, mode, machine, figures }, null, 2) + '\n',
  );
  const docs = path.join(root, 'docs', 'BENCHMARKS.md');
  fs.mkdirSync(path.dirname(docs), { recursive: true });
  if (!fs.existsSync(docs)) {
    fs.writeFileSync(
      docs,
      '# Benchmarks\n\nEach section is one run of `npm run bench`, all figures side by side.\n',
    );
  }
  const rows = figures
    .map(
      (f) =>
        `| ${f.name} | ${Number.isInteger(f.value) ? f.value : f.value.toFixed(2)} | ${f.unit} | ${f.note ?? ''} |`,
    )
    .join('\n');
  fs.appendFileSync(
    docs,
    `\n## ${when} (${mode})\n\nMachine: ${machine}.\n\n| figure | value | unit | what |\n|---|---|---|---|\n${rows}\n`,
  );
}

/** The directory holding package.json, from a compiled or a source file. */
export function projectRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
}
