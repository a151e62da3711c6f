import { isoOf } from '@ledger/domain';
import { createWriteStream, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { CliContext } from '../cli-context';
import type { OutputStream } from '../cli-io';
import { CliError, ExitCode } from '../exit-codes';
import { ProgressReporter } from '../output/progress-reporter';
import { count } from '../output/text-format';
import { writeWithBackpressure } from '../output/write-with-backpressure';
import { catchUpReadModels } from '../read-models/read-models-catch-up';

export interface ExportArguments {
  readonly from?: number;
  readonly to?: number;
  readonly format: 'csv' | 'jsonl';
  readonly out?: string;
}

/** CSV: `entry_id,position,…`; the entry id never holds a comma, so the position is the second field. */
const CSV_POSITION = /^[^,\n]*,(\d+),/;

/**
 * `ledger export --from --to --format csv|jsonl [--out file]`: the journal, streamed from the read
 * models (a consistent cut at the journal's position when the export began). Progress on stderr.
 */
export async function exportCommand(context: CliContext, args: ExportArguments): Promise<void> {
  // As GET /v1/finance/export (400): an empty or inverted range is the dates swapped, never "nothing".
  if (args.from !== undefined && args.to !== undefined && args.to <= args.from)
    throw new CliError(ExitCode.usage, '--to must be after --from');
  const file = args.out === undefined ? undefined : await openOutFile(args.out);
  const readModels = context.readModels;
  await catchUpReadModels(readModels, new ProgressReporter(context.io.stderr, 'catching up'));
  const readSide = readModels.readSide;
  const upTo = BigInt(readSide.journals.trialBalance().position);
  const { body } = readSide.journalExport.stream({
    from: args.from === undefined ? undefined : isoOf(args.from),
    to: args.to === undefined ? undefined : isoOf(args.to),
    format: args.format,
  });
  const target: OutputStream = file ?? context.io.stdout;
  const progress = new ProgressReporter(context.io.stderr, 'export', 'lines');
  progress.start(0n, upTo);
  let lines = 0;
  for await (const chunk of body as AsyncIterable<string | Buffer>) {
    const text = chunk.toString();
    const chunkLines = text.split('\n').length - 1;
    lines += chunkLines;
    await writeWithBackpressure(target, text);
    progress.advance(lastPosition(text, args.format) ?? 0n, chunkLines);
  }
  progress.finish();
  if (file !== undefined) {
    file.end();
    await finished(file);
  }
  const entries =
    args.format === 'csv' ? `${count(Math.max(lines - 1, 0))} CSV rows` : `${count(lines)} entries`;
  context.io.stderr.write(`exported ${entries} up to position ${upTo}${args.out ? ` to ${args.out}` : ''}\n`);
}

function openOutFile(path: string): Promise<WriteStream> {
  const file = createWriteStream(path, { flags: 'w' });
  return new Promise<WriteStream>((resolve, reject) => {
    file.once('open', () => resolve(file));
    file.once('error', (error) =>
      reject(new CliError(ExitCode.usage, `cannot write ${path}: ${error.message}`)),
    );
  });
}

function lastPosition(chunk: string, format: 'csv' | 'jsonl'): bigint | undefined {
  const lines = chunk.trimEnd().split('\n');
  const last = lines[lines.length - 1];
  if (format === 'csv') {
    const match = CSV_POSITION.exec(last);
    return match ? BigInt(match[1]) : undefined;
  }
  try {
    return BigInt((JSON.parse(last) as { position: string }).position);
  } catch {
    return undefined;
  }
}
