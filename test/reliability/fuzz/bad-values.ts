import fc from 'fast-check';

/**
 * Values each kind of field must refuse, whatever else the body says (API.md "Status codes").
 * Only values invalid under any reading of the contract: a value that might be valid would make
 * a "must be refused" request append, and the fuzz would blame the server for the generator.
 */
const notAString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
const notANumber = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant({}),
);
const unicodeNoise = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });

export const badId = fc.oneof(
  fc.constantFrom(
    '',
    'a'.repeat(129),
    'a b',
    'a/b',
    'ü',
    '😀',
    'a\u0000b',
    '../x',
    'id?x=1',
    'a#b',
    'null'.padEnd(200, '!'),
  ),
  unicodeNoise.map((s) => `${s}€`),
  notAString,
);
export const badPlan = fc.oneof(
  fc.constantFrom('platinum', '', 'PLUS', 'plus ', ' plus', 'free\u0000', 'ρlus'),
  notAString,
);
export const badProduct = fc.oneof(
  fc.constantFrom('nope', '', 'CODEX', 'codex ', 'sora', 'c'.repeat(200)),
  notAString,
);
export const badOperation = fc.oneof(
  fc.constantFrom('nope', '', 'local_message ', 'gpt-5.5', 'video_second'),
  notAString,
);
export const badQuantity = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    1.5,
    1_000_000_001,
    1e308,
    -1e308,
    2 ** 53,
    Number.MAX_SAFE_INTEGER + 2,
    1e21,
    0.0001,
  ),
  fc.integer({ max: 0 }),
  fc.integer({ min: 1_000_000_001 }),
  fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }),
  notANumber,
);
/** Credits: anything that is not a plain positive decimal ≤ 1e9 with ≤ 6 decimals. */
export const badCredits = fc.oneof(
  fc.constantFrom(
    '0',
    '0.0',
    '0.000000',
    '-1',
    '1e3',
    '1.1234567',
    '1000000000.000001',
    '1000000001',
    '',
    ' 1',
    '1 ',
    '1,5',
    '+1',
    '.5',
    '1.',
    '١',
    '１',
    '0x10',
    'Infinity',
    'NaN',
  ),
  fc.string({ maxLength: 10 }).filter((s) => !/^\d+(\.\d+)?$/.test(s)),
  fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({})),
);
export const badCap = fc.oneof(
  fc.constantFrom('-1', '1e3', 'abc', '1.1234567', '10000000000', '9999999999', '', ' 5'),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant([]), fc.constant({})),
);
export const badAmountMinor = fc.oneof(
  fc.constantFrom(-1, 1.5, Number.MAX_SAFE_INTEGER + 2, 1e300, -0.5),
  fc.integer({ max: -1 }),
  notANumber,
);
export const badCurrency = fc.oneof(fc.constantFrom('usd', 'US', 'USDD', '', 'U$D', 'ÉUR'), notAString);
/** Times refused in every time field: malformed, impossible dates, wrong types. */
export const badTime = fc.oneof(
  fc.constantFrom(
    'tomorrow',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '',
    '2026-11-01',
    '2026-11-01 00:00:00Z',
    '2026-11-01T25:00:00Z',
  ),
  notAString,
);
/** Times in the past are refused as an expiry, and as occurredAt (more than 35 days behind). */
export const badPastTime = fc.oneof(
  badTime,
  fc.constantFrom('2020-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'),
);
export const badOccurredAt = fc.oneof(badPastTime, fc.constantFrom('2999-01-01T00:00:00Z'));
export const badPriority = fc.oneof(
  fc.constantFrom(-1, 1001, 1.5, 1e308),
  fc.integer({ min: 1001 }),
  notANumber,
);
export const badProducts = fc.constantFrom(
  [],
  ['nope'],
  ['sora'],
  ['codex', 'codex'],
  'codex',
  [1],
  [null],
  {},
  null,
  [''],
);
export const badReason = fc.oneof(fc.constantFrom('', '   ', 'x'.repeat(1001)), notAString);
export const badScope = fc.oneof(fc.constantFrom('everyone', '', 'ALL', 'all ', 'accounts'), notAString);
export const badSurface = fc.oneof(fc.constant('s'.repeat(200)), notAString);
export const badAdvanceMs = fc.oneof(
  fc.constantFrom(-1, 1.5, 10 * 365 * 86_400_000 + 1, 1e308),
  fc.integer({ max: -1 }),
  notANumber,
);
export const badNow = fc.oneof(fc.constantFrom('2000-01-01T00:00:00Z', '1970-01-01T00:00:00Z'), badTime);
/** Any JSON value, for unknown fields and whole bodies of the wrong shape. */
export const anyJson = fc.jsonValue({ maxDepth: 4 });
