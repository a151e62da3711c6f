import 'reflect-metadata';
import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import fc from 'fast-check';
import { HoldIdParam, PlaceHoldDto, SettleHoldDto } from '../holds/holds.dto';
import { RecordUsageBatchDto, RecordUsageDto } from '../usage/usage.dto';
import { compiledDto, hasCompiledValidation } from './compiled-validation';
import { forbiddenKeyIn } from './json-body';
import { AccountIdParam } from './params';
import { strictValidationPipe, validateDto } from './validation';

/** The pipe as it was before the compiled path: class-transformer, then class-validator. */
async function classValidatorPath(metatype: new () => object, value: unknown): Promise<{ dto?: object }> {
  const metadata: ArgumentMetadata = { type: 'body', metatype, data: undefined };
  try {
    return {
      dto: (await ValidationPipe.prototype.transform.call(strictValidationPipe(), value, metadata)) as object,
    };
  } catch {
    return {};
  }
}

/** A body as the JSON parser hands it over: JSON only, and no forbidden field names (refused earlier). */
const asParsed = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null');
const sameDto = (a: object, b: object): void => {
  expect(Object.getPrototypeOf(a)).toBe(Object.getPrototypeOf(b));
  expect(Object.entries(a)).toStrictEqual(Object.entries(b));
};

const ID = fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/);
const NAME = fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/);
const INSTANT = fc.oneof(
  fc
    .date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2026-11-24T12:00:00Z',
    '2026-11-24T12:00:00+05:30',
    '9999-12-31T23:59:59-01:00',
    '1970-01-01T00:00:00Z',
    '1969-12-31T23:59:59Z',
    '2026-06-30T23:59:60Z',
    '2026-02-30T00:00:00Z',
    '2026-11-24T12:00:00',
    '2026-11-24',
    '+010000-01-01T00:00:00Z',
    '2026-11-24T12:00:00.123456789Z',
    '',
  ),
);
const HOSTILE = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: 'binary', maxLength: 140 }),
  fc.constantFrom('5', '1.5', '1e3', '0x10', ' 1', '', 'é', '\u{1F600}', 'a\u0000b', 'a'.repeat(129)),
  fc.constantFrom(0, -1, 1.5, 1e9, 1e9 + 1, 1e300, -0, 2 ** 53, Number.MAX_SAFE_INTEGER, null, true, [], {}),
);

const validUsage = fc.record(
  {
    usageId: ID,
    accountId: ID,
    product: NAME,
    operation: NAME,
    quantity: fc.integer({ min: 1, max: 1_000_000_000 }),
    surface: fc.string({ maxLength: 64 }),
    occurredAt: fc
      .date({ min: new Date(0), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  { requiredKeys: ['usageId', 'accountId', 'product', 'operation', 'quantity'] },
);

/** A valid body with one field changed, removed or added; or something else altogether. */
const anyUsage = fc.oneof(
  validUsage,
  fc
    .tuple(
      validUsage,
      fc.constantFrom(
        'usageId',
        'accountId',
        'product',
        'operation',
        'quantity',
        'surface',
        'occurredAt',
        'extra',
        'Quantity',
      ),
      fc.oneof(HOSTILE, INSTANT, ID, fc.constant(undefined)),
    )
    .map(([body, field, value]) => ({ ...body, [field]: value })),
  fc.dictionary(
    fc.constantFrom('usageId', 'accountId', 'product', 'operation', 'quantity', 'surface', 'x'),
    HOSTILE,
  ),
  HOSTILE,
);

const anyBatch = fc.oneof(
  fc.record({ records: fc.array(fc.oneof(anyUsage, HOSTILE), { minLength: 0, maxLength: 5 }) }),
  fc.record({ records: HOSTILE }),
  fc.record(
    { records: fc.array(validUsage, { minLength: 1, maxLength: 3 }), extra: HOSTILE },
    { requiredKeys: ['records'] },
  ),
  HOSTILE,
);

const anyParam = fc.oneof(
  fc.record({ accountId: fc.oneof(ID, HOSTILE) }),
  fc.dictionary(fc.string(), ID),
  HOSTILE,
);

const validLine = fc.record({ operation: NAME, quantity: fc.integer({ min: 1, max: 1_000_000_000 }) });
/** A line, or a line with one field changed, removed or added, or anything else. */
const anyLine = fc.oneof(
  validLine,
  fc
    .tuple(
      validLine,
      fc.constantFrom('operation', 'quantity', 'extra'),
      fc.oneof(HOSTILE, fc.constant(undefined)),
    )
    .map(([line, field, value]) => ({ ...line, [field]: value })),
  fc.array(validLine, { maxLength: 2 }),
  HOSTILE,
);
const anyLines = fc.oneof(
  fc.array(validLine, { minLength: 1, maxLength: 4 }),
  fc.array(anyLine, { minLength: 0, maxLength: 4 }),
  fc.array(validLine, { minLength: 100, maxLength: 101 }),
  validLine,
  HOSTILE,
);
const validHold = fc.record(
  {
    holdId: ID,
    accountId: ID,
    product: NAME,
    lines: fc.array(validLine, { minLength: 1, maxLength: 4 }),
    ttlSeconds: fc.integer({ min: 1, max: 86_400 }),
  },
  { requiredKeys: ['holdId', 'accountId', 'product', 'lines'] },
);
const anyHold = fc.oneof(
  validHold,
  fc
    .tuple(
      validHold,
      fc.constantFrom('holdId', 'accountId', 'product', 'lines', 'ttlSeconds', 'extra'),
      fc.oneof(HOSTILE, anyLines, ID, fc.constant(undefined), fc.integer({ min: -1, max: 100_000 })),
    )
    .map(([body, field, value]) => ({ ...body, [field]: value })),
  HOSTILE,
);
const anySettlement = fc.oneof(
  fc.record({ usageId: ID, lines: anyLines }),
  fc.record({ usageId: fc.oneof(ID, HOSTILE), lines: fc.array(validLine, { minLength: 1, maxLength: 3 }) }),
  fc.record(
    { usageId: ID, lines: fc.array(validLine, { minLength: 1, maxLength: 2 }), extra: HOSTILE },
    { requiredKeys: ['usageId', 'lines'] },
  ),
  HOSTILE,
);
const anyHoldParam = fc.oneof(fc.record({ holdId: fc.oneof(ID, HOSTILE) }), HOSTILE);

const RUNS = { seed: 20261203, numRuns: 1500 };

describe('compiled validation (Ajv) against class-validator', () => {
  it('marks the hot DTOs', () => {
    expect(hasCompiledValidation(RecordUsageDto)).toBe(true);
    expect(hasCompiledValidation(RecordUsageBatchDto)).toBe(true);
    expect(hasCompiledValidation(AccountIdParam)).toBe(true);
    expect(hasCompiledValidation(PlaceHoldDto)).toBe(true);
    expect(hasCompiledValidation(SettleHoldDto)).toBe(true);
    expect(hasCompiledValidation(HoldIdParam)).toBe(true);
  });

  it.each([
    ['RecordUsageDto', RecordUsageDto, anyUsage],
    ['RecordUsageBatchDto', RecordUsageBatchDto, anyBatch],
    ['AccountIdParam', AccountIdParam, anyParam],
    ['PlaceHoldDto', PlaceHoldDto, anyHold],
    ['SettleHoldDto', SettleHoldDto, anySettlement],
    ['HoldIdParam', HoldIdParam, anyHoldParam],
  ] as const)(
    '%s: what Ajv accepts, class-validator accepts, as the same DTO',
    async (_name, metatype, arbitrary) => {
      await fc.assert(
        fc.asyncProperty(arbitrary as fc.Arbitrary<unknown>, async (raw) => {
          const body = asParsed(raw);
          fc.pre(forbiddenKeyIn(body) === undefined);
          const fast = compiledDto(metatype as new () => object, asParsed(body));
          const reference = await classValidatorPath(metatype as new () => object, asParsed(body));
          if (fast === undefined) return;
          expect(reference.dto).toBeDefined();
          sameDto(fast, reference.dto as object);
        }),
        RUNS,
      );
    },
  );

  it('takes the compiled path for every valid usage body, as the pipe and the batch handler', async () => {
    await fc.assert(
      fc.asyncProperty(validUsage, async (raw) => {
        const body = asParsed(raw);
        const fast = compiledDto(RecordUsageDto, body);
        expect(fast).toBeDefined();
        const reference = await classValidatorPath(RecordUsageDto, asParsed(body));
        sameDto(fast as object, reference.dto as object);
        // The batch handler's own path for one record: plainToInstance, then validateDto.
        const item = plainToInstance(RecordUsageDto, asParsed(body));
        expect(await validateDto(item)).toEqual([]);
        sameDto(fast as object, item);
      }),
      RUNS,
    );
  });

  it('takes the compiled path for every valid hold body, with its lines built as class-transformer builds them', async () => {
    await fc.assert(
      fc.asyncProperty(validHold, async (raw) => {
        const body = asParsed(raw);
        const fast = compiledDto(PlaceHoldDto, body);
        expect(fast).toBeDefined();
        const reference = await classValidatorPath(PlaceHoldDto, asParsed(body));
        expect(reference.dto).toBeDefined();
        sameDto(fast as object, reference.dto as object);
        expect(fast).toStrictEqual(reference.dto);
      }),
      { ...RUNS, numRuns: 300 },
    );
  });

  it('names each bad line field of a hold (class-validator words the 400)', async () => {
    const pipe = strictValidationPipe();
    const metadata: ArgumentMetadata = { type: 'body', metatype: PlaceHoldDto, data: undefined };
    const body = {
      holdId: 'h-1',
      accountId: 'a',
      product: 'codex',
      lines: [{ operation: 'cloud_task', quantity: 0 }, { operation: 'x', quantity: 1, extra: true }, [1]],
      ttlSeconds: 86_401,
    };
    expect(compiledDto(PlaceHoldDto, body)).toBeUndefined();
    const refused = await pipe
      .transform(body, metadata)
      .catch((error: { response: unknown }) => error.response);
    const fields = (refused as { fields: { field: string }[] }).fields.map((f) => f.field);
    expect(fields).toEqual(
      expect.arrayContaining(['lines', 'lines.0.quantity', 'lines.1.extra', 'ttlSeconds']),
    );
  });

  it('leaves a refused body to class-validator, whose 400 names the fields', async () => {
    const pipe = strictValidationPipe();
    const metadata: ArgumentMetadata = { type: 'body', metatype: RecordUsageDto, data: undefined };
    const body = {
      usageId: 'u-1',
      accountId: 'a',
      product: 'codex',
      operation: 'x',
      quantity: '5',
      extra: 1,
    };
    expect(compiledDto(RecordUsageDto, body)).toBeUndefined();
    await expect(pipe.transform(body, metadata)).rejects.toMatchObject({
      response: {
        statusCode: 400,
        message: 'extra is not a field of this request; quantity must be an integer number',
      },
    });
  });
});
