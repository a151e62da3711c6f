import {
  LEDGER_PROJECTIONS,
  verifyProjections,
  type VerifyMismatch,
  type VerifyReport,
} from '@ledger/projections';
import type { CliContext } from '../cli-context';
import { ExitCode } from '../exit-codes';
import { ProgressReporter } from '../output/progress-reporter';
import { count, keyValueLines } from '../output/text-format';
import { ProgressReportingStore } from '../read-models/progress-reporting-store';
import { catchUpReadModels } from '../read-models/read-models-catch-up';

export interface VerifyArguments {
  readonly json: boolean;
  readonly maxMismatches: number;
}

/** A server on the same data dir may commit between the replay and the comparison: compare again. */
const ATTEMPTS_WHILE_LIVE_MOVES = 3;

/**
 * `ledger verify`: finance's proof. Replays the whole log into fresh read models and compares
 * every row with the live ones at the same position. Exit 1 on any mismatch.
 */
export async function verifyCommand(context: CliContext, args: VerifyArguments): Promise<ExitCode> {
  const models = context.readModels;
  // Quarantined streams are verify's to report (not ok, named), not the catch-up's to refuse.
  await catchUpReadModels(models, new ProgressReporter(context.io.stderr, 'catching up'), {
    allowQuarantined: true,
  });
  const started = performance.now();
  let report: VerifyReport | undefined;
  for (let attempt = 1; attempt <= ATTEMPTS_WHILE_LIVE_MOVES; attempt++) {
    const progress = new ProgressReporter(context.io.stderr, 'verify');
    progress.start(0n, models.committedPosition());
    report = await verifyProjections({
      store: new ProgressReportingStore(context.store, (position, events) =>
        progress.advance(position, events),
      ),
      // Live positions are read from the file each time: the runner moving them may be a server's.
      live: {
        db: models.readSide.db,
        positions: () => models.committedPositions(),
        pause: () => undefined,
        resume: () => undefined,
      },
      projections: LEDGER_PROJECTIONS,
      maxMismatches: args.maxMismatches,
    });
    progress.finish();
    if (report.ok || String(models.committedPosition()) === report.position) break;
  }
  if (report === undefined) throw new Error('verification did not run');
  const seconds = (performance.now() - started) / 1000;
  if (args.json) context.io.stdout.write(`${JSON.stringify(summaryOf(context, report), null, 2)}\n`);
  else context.io.stdout.write(render(context, report, seconds));
  return report.ok ? ExitCode.ok : ExitCode.mismatch;
}

function rowCounts(context: CliContext): Map<string, number> {
  const db = context.readModels.readSide.db;
  const counts = new Map<string, number>();
  for (const projection of LEDGER_PROJECTIONS) {
    const rows = projection.tables.reduce(
      (sum, table) => sum + Number(db.prepare(`SELECT COUNT(*) FROM "${table.name}"`).pluck().get()),
      0,
    );
    counts.set(projection.name, rows);
  }
  return counts;
}

function summaryOf(context: CliContext, report: VerifyReport) {
  const trialBalance = context.readModels.readSide.journals.trialBalance();
  return { ...report, rows: Object.fromEntries(rowCounts(context)), trialBalanceTotal: trialBalance.total };
}

function render(context: CliContext, report: VerifyReport, seconds: number): string {
  const counts = rowCounts(context);
  const perProjection = LEDGER_PROJECTIONS.map((projection) => {
    const wrong = report.mismatches.filter((m) => m.projection === projection.name).length;
    const tables = projection.tables.map((t) => t.name).join(', ');
    return [
      projection.name,
      `${count(counts.get(projection.name) ?? 0)} rows in ${tables}: ${wrong === 0 ? 'identical' : `${wrong} mismatch${wrong === 1 ? '' : 'es'}`}`,
    ] as const;
  });
  const trialBalance = context.readModels.readSide.journals.trialBalance();
  const lines = [
    `Replayed ${count(report.eventsReplayed)} events from the log into fresh read models in ${seconds.toFixed(1)} s`,
    ` and compared them row by row with the live ones at position ${report.position}.\n\n`,
    keyValueLines(perProjection),
    `\n  trial balance: ${Object.keys(trialBalance.ledgerAccounts).length} ledger accounts, total ${trialBalance.total}\n\n`,
    ...report.mismatches.map(renderMismatch),
    ...(report.quarantined ?? []).map(
      (q) =>
        `  ✗ ${q.projection}: stream "${q.stream}" quarantined at position ${q.position} since ${q.since} (${q.heldBack} later event(s) held back): ${q.reason}\n\n`,
    ),
    report.truncated ? `  … more mismatches than the ${report.mismatches.length} listed\n\n` : '',
    report.ok
      ? 'OK: the live read models are exactly what the log says.\n'
      : report.mismatches.length > 0 || (report.quarantined ?? []).length === 0
        ? `MISMATCH: ${report.mismatches.length}${report.truncated ? '+' : ''} row(s) differ from the replay of the log.\n`
        : `QUARANTINED: ${report.quarantined?.length ?? 0} stream(s) hold events the read models cannot apply; fix the projection and run \`ledger rebuild\`.\n`,
  ];
  return lines.join('');
}

function renderMismatch(m: VerifyMismatch): string {
  const key = Object.entries(m.key)
    .map(([k, v]) => `${k}=${v ?? 'null'}`)
    .join(' ');
  const head = `  ✗ ${m.projection} / ${m.table} [${key}]`;
  if (m.live === null)
    return `${head}: missing from the live read models\n      replayed: ${JSON.stringify(m.replayed)}\n\n`;
  if (m.replayed === null)
    return `${head}: in the live read models, not explained by the log\n      live:     ${JSON.stringify(m.live)}\n\n`;
  const replayed = m.replayed;
  const columns = Object.keys(m.live).filter(
    (c) => JSON.stringify(m.live?.[c]) !== JSON.stringify(replayed[c]),
  );
  const pick = (row: Readonly<Record<string, unknown>>) =>
    columns.map((c) => `${c}=${JSON.stringify(row[c])}`).join(' ');
  return `${head}\n      live:     ${pick(m.live)}\n      replayed: ${pick(replayed)}\n\n`;
}
