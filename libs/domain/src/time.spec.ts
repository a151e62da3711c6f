import fc from 'fast-check';
import { propertyOptions } from './testing/fixtures';
import { isoOf, LATEST_LEDGER_TIME } from './time';

describe('isoOf', () => {
  it('prints what toISOString prints, in the ledger range and out of it', () => {
    const edges = [0, 1, 999, 86_399_999, 86_400_000, 951_782_400_000, LATEST_LEDGER_TIME];
    const arbMs = fc.oneof(
      fc.integer({ min: 0, max: LATEST_LEDGER_TIME }),
      fc.constantFrom(...edges, -1, LATEST_LEDGER_TIME + 1, 8.64e15, -8.64e15, 1.5, -0.5),
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      // Ledger clocks tick within a day: the cached date part must change at midnight exactly.
      fc
        .tuple(fc.integer({ min: 0, max: 2_932_896 }), fc.integer({ min: -3, max: 3 }))
        .map(([day, offset]) => Math.max(0, day * 86_400_000 + offset)),
    );
    fc.assert(
      fc.property(fc.array(arbMs, { minLength: 1, maxLength: 20 }), (times) => {
        for (const ms of times) expect(isoOf(ms)).toBe(new Date(ms).toISOString());
      }),
      propertyOptions(500),
    );
  });
});
