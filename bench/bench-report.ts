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

/** Figures whose name changed, old → new: the names are the names of record. */
const RENAMES: Readonly<Record<string, { readonly name: string; readonly was: string }>> = {
  projection_rebuild_events_per_s: { name: 'rebuild_events_per_s', was: 'projection_rebuild_events_per_s' },
};

export function renamed(figure: Figure): Figure {
  const to = RENAMES[figure.name];
  if (to === undefined) return figure;
  return { ...figure, name: to.name, note: `${figure.note ?? ''} (${to.was} before 2026-12)` };
}

/** A ratio between two figures of the same run: what the first reaches of the floor (or peer) in the second. */
interface Ratio {
  readonly name: string;
  readonly of: string;
  readonly to: string;
}

const RATIOS: readonly Ratio[] = [
  { name: 'http_usage_vs_node_http', of: 'http_usage_per_s', to: 'floor_node_http_per_s' },
  { name: 'http_usage_vs_fastify_schema', of: 'http_usage_per_s', to: 'floor_fastify_schema_per_s' },
  { name: 'http_usage_vs_nest_dto', of: 'http_usage_per_s', to: 'floor_nest_dto_per_s' },
  { name: 'http_usage_vs_group_commit', of: 'http_usage_per_s', to: 'sqlite_group_commit_per_s' },
  { name: 'http_batch_vs_command_path', of: 'http_batch_records_per_s', to: 'command_path_per_s' },
  {
    name: 'http_batch_vs_projection_live',
    of: 'http_batch_records_per_s',
    to: 'projection_live_events_per_s',
  },
  { name: 'record_usage_vs_emmett', of: 'command_path_per_s', to: 'peer_emmett_record_usage_per_s' },
  { name: 'rebuild_vs_log_read_parse', of: 'rebuild_events_per_s', to: 'log_read_parse_events_per_s' },
  { name: 'projection_live_vs_rebuild', of: 'projection_live_events_per_s', to: 'rebuild_events_per_s' },
];

/** Every ratio whose two figures this run measured. */
export function ratioFigures(figures: readonly Figure[]): Figure[] {
  const value = (name: string) => figures.find((f) => f.name === name)?.value;
  const ratios: Figure[] = [];
  for (const { name, of, to } of RATIOS) {
    const [a, b] = [value(of), value(to)];
    if (a === undefined || b === undefined || b === 0) continue;
    ratios.push({ name, value: a / b, unit: 'ratio', note: `${of} / ${to}, same run` });
  }
  return ratios;
}

/**
 * The report's order: each figure of the issue, then the floors and ratios that bound it, so every
 * ratio is read beside its figure. Figures not listed follow in the order measured.
 */
const ORDER: readonly string[] = [
  'http_usage_per_s',
  'http_usage_p99_ms',
  'http_usage_server_cpu_us',
  'http_usage_request_cpu_us',
  'floor_node_http_per_s',
  'floor_fastify_schema_per_s',
  'floor_nest_dto_per_s',
  'http_usage_vs_node_http',
  'http_usage_vs_fastify_schema',
  'http_usage_vs_nest_dto',
  'sqlite_group_commit_per_s',
  'http_usage_vs_group_commit',
  'http_hold_settle_per_s',
  'http_hold_settle_p50_ms',
  'http_hold_settle_p99_ms',
  'http_hold_usage_p50_ms',
  'http_hold_usage_p99_ms',
  'http_hold_usage_pair_p50_ms',
  'http_hold_usage_pair_p99_ms',
  'http_hold_settle_vs_usage_p50',
  'http_usage_pair_vs_usage_p50',
  'http_hold_settle_vs_usage_pair_p50',
  'http_hold_settle_vs_usage_p99',
  'http_usage_pair_vs_usage_p99',
  'http_hold_settle_vs_usage_pair_p99',
  'http_hold_settle_vs_usage_1conn_p50',
  'http_usage_pair_vs_usage_1conn_p50',
  'http_hold_settle_vs_usage_pair_1conn_p50',
  'http_hold_settle_vs_usage_1conn_p99',
  'http_usage_pair_vs_usage_1conn_p99',
  'http_hold_settle_vs_usage_pair_1conn_p99',
  'http_batch_records_per_s',
  'http_batch_vs_command_path',
  'http_batch_vs_projection_live',
  'entitlement_p99_ms',
  'floor_node_http_entitlement_p99_ms',
  'command_path_per_s',
  'sqlite_raw_insert_per_s',
  'command_path_vs_raw_insert',
  'peer_emmett_record_usage_per_s',
  'record_usage_vs_emmett',
  'rebuild_events_per_s',
  'log_read_events_per_s',
  'log_read_parse_events_per_s',
  'rebuild_vs_log_read_parse',
  'projection_live_events_per_s',
  'projection_live_vs_rebuild',
  'projection_live_cpu_us',
];

export function sortedForReport(figures: readonly Figure[]): Figure[] {
  const rank = (f: Figure) => {
    const i = ORDER.indexOf(f.name);
    return i < 0 ? ORDER.length : i;
  };
  return figures
    .map((figure, measured) => ({ figure, measured }))
    .sort((a, b) => rank(a.figure) - rank(b.figure) || a.measured - b.measured)
    .map(({ figure }) => figure);
}

/** Load averages when the report is written: the 15-minute one covers a full run; above the core count, other work shared the machine. */
function loadDescription(): string {
  return `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')} (1 / 5 / 15 min) at the end of the run`;
}

const CURRENT_BEGIN = '<!-- current-figures:begin (written by bench/bench-report.ts) -->';
const CURRENT_END = '<!-- current-figures:end -->';

function tableOf(figures: readonly Figure[]): string {
  const rows = figures
    .map(
      (f) =>
        `| ${f.name} | ${Number.isInteger(f.value) ? f.value : f.value.toFixed(2)} | ${f.unit} | ${f.note ?? ''} |`,
    )
    .join('\n');
  return `| figure | value | unit | what |\n|---|---|---|---|\n${rows}\n`;
}

/**
 * Writes bench/results/latest.json, replaces the "current figures" table at the top of
 * docs/BENCHMARKS.md (between its markers) and appends the run, dated, to its history.
 */
export function saveReport(root: string, figures: readonly Figure[], mode: string): void {
  const when = new Date().toISOString();
  const machine = machineDescription();
  const load = loadDescription();
  const resultsDir = path.join(root, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(
    path.join(resultsDir, 'latest.json'),
    JSON.stringify({ when, mode, machine, load, figures }, null, 2) + '\n',
  );
  const docs = path.join(root, 'docs', 'BENCHMARKS.md');
  fs.mkdirSync(path.dirname(docs), { recursive: true });
  if (!fs.existsSync(docs)) {
    fs.writeFileSync(docs, `# Benchmarks\n\n${CURRENT_BEGIN}\n${CURRENT_END}\n\n## Run history\n`);
  }
  const table = tableOf(figures);
  let text = fs.readFileSync(docs, 'utf8');
  const begin = text.indexOf(CURRENT_BEGIN);
  const end = text.indexOf(CURRENT_END);
  if (begin >= 0 && end > begin) {
    const current = `${CURRENT_BEGIN}\nRun of ${when} (${mode}). Machine: ${machine}; ${load}.\n\n${table}`;
    text = text.slice(0, begin) + current + text.slice(end);
  }
  text += `\n### ${when} (${mode})\n\nMachine: ${machine}; ${load}.\n\n${table}`;
  fs.writeFileSync(docs, text);
}

/** The directory holding package.json, from a compiled or a source file. */
export function projectRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return process.cwd();
}
