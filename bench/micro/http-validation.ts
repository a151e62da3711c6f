import 'reflect-metadata';
import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { strictValidationPipe } from '../../apps/ledger/src/http/validation';
import { RecordUsageDto } from '../../apps/ledger/src/usage/usage.dto';

/**
 * The validation of one usage body, in-process: the class-transformer + class-validator path the
 * pipe took before, against the pipe now (compiled schema first). Alternates the two several times
 * and prints the median µs per body: `node dist/bench/micro/http-validation.js`.
 */
const BODY = JSON.stringify({
  usageId: 'u-123456',
  accountId: 'acct-42',
  product: 'codex',
  operation: 'local_message',
  quantity: 3,
  surface: 'cli',
});
const METADATA: ArgumentMetadata = { type: 'body', metatype: RecordUsageDto, data: undefined };
const ITERATIONS = 20_000;
const ROUNDS = 7;

async function timePerBody(transform: (value: unknown) => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) await transform(JSON.parse(BODY));
  return Number(process.hrtime.bigint() - started) / 1000 / ITERATIONS;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const pipe = strictValidationPipe();
  const before = (value: unknown) => ValidationPipe.prototype.transform.call(pipe, value, METADATA);
  const now = (value: unknown) => pipe.transform(value, METADATA);
  await timePerBody(before);
  await timePerBody(now);
  const figures = { before: [] as number[], now: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    figures.before.push(await timePerBody(before));
    figures.now.push(await timePerBody(now));
  }
  console.log(
    `usage body validation: class-validator ${median(figures.before).toFixed(2)} µs, ` +
      `compiled ${median(figures.now).toFixed(2)} µs (median of ${ROUNDS} alternating rounds of ${ITERATIONS})`,
  );
}

void main();
