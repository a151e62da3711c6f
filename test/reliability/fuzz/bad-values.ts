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
/**
 * Instants outside 1970-01-01T00:00:00Z..9999-12-31T23:59:59.999Z once the offset is applied (SPEC §10):
 * `9999-12-31T23:59:59-01:00` is year 10000 in UTC, and was once appended and never read back.
 */
export const extremeTime = fc.constantFrom(
  '9999-12-31T23:59:59-01:00',
  '9999-12-31T23:30:00-00:31',
  '+010000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '1969-12-31T23:59:59.999Z',
  '1970-01-01T00:30:00+01:00',
);
/** Times refused in every time field: malformed, impossible dates, out of range, wrong types. */
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
  extremeTime,
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
/**
 * Cursors, positions and limits no query accepts (SPEC §10: a 400, never a 500): beyond 2^63 − 1,
 * negative, not decimal. Never a valid position past the head, which waits its bound (503) by design.
 */
export const badPosition = fc.constantFrom(
  '99999999999999999999',
  '9223372036854775808',
  '18446744073709551616',
  '-1',
  'abc',
  '1e3',
  '1.5',
  ' 1',
  '0x10',
  '',
);
export const badLimit = fc.constantFrom('0', '1001', '-1', 'abc', '1e3', '1.5', '99999999999999999999');
/**
 * Object keys spelled with JSON escapes that decode to a forbidden name: the guard must see the
 * parsed key (SPEC §10), not the text. As JSON text, quotes included.
 */
export const escapedForbiddenKey = fc.constantFrom(
  '"\\u005f_proto__"',
  '"\\u005f\\u005fproto\\u005f\\u005f"',
  '"__pro\\u0074o__"',
  '"\\u0074oString"',
  '"\\u0063onstructor"',
  '"\\u0076alueOf"',
  '"hasOwn\\u0050roperty"',
  '"\\u0070rototype"',
);
/** Valid ids that hold ':' (API.md allows it): wherever ids are combined, `a:b`+`c` must not meet `a`+`b:c`. */
export const colonId = fc.constantFrom(
  'a:b',
  'a:b:c',
  'a::b',
  ':',
  '::',
  'usage:x',
  'x:',
  ':x',
  'account-a:b',
);
/** Any JSON value, for unknown fields and whole bodies of the wrong shape. */
export const anyJson = fc.jsonValue({ maxDepth: 4 });
