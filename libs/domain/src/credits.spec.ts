import {
  formatCredits,
  MAX_INPUT_CREDITS,
  overageCredits,
  parseCredits,
  parseCreditsAmount,
} from './credits';

describe('parseCredits', () => {
  it.each([
    ['0', 0n],
    ['12.5', 12_500_000n],
    ['0.000125', 125n],
    ['1000000000', MAX_INPUT_CREDITS],
    ['007.100000', 7_100_000n],
  ])('reads %p exactly as micro-credits', (input, micro) => {
    expect(parseCredits(input)).toBe(micro);
  });

  it.each(['', '-1', '+1', '1e3', '1.', '.5', '1.0000001', ' 1', '1,5', '0x10', 'NaN', '1000000000.000001'])(
    'refuses %p (no sign, no exponent, ≤ 6 decimals, ≤ 1e9)',
    (input) => {
      expect(parseCredits(input)).toBeNull();
    },
  );

  it('lifts the bound only when asked (stored balances may exceed one command)', () => {
    expect(parseCredits('2000000000', { max: null })).toBe(2_000_000_000_000_000n);
  });

  it('parseCreditsAmount refuses zero (purchases and grants are positive)', () => {
    expect(parseCreditsAmount('0')).toBeNull();
    expect(parseCreditsAmount('0.000001')).toBe(1n);
  });
});

describe('formatCredits', () => {
  it.each([
    [0n, '0'],
    [12_500_000n, '12.5'],
    [125n, '0.000125'],
    [1_000_000n, '1'],
    [-1_500_000n, '-1.5'],
  ])('normalises %p to %p', (micro, text) => {
    expect(formatCredits(micro)).toBe(text);
  });

  it('round-trips every parsed amount', () => {
    for (const s of ['1', '0.1', '123.456789', '999999999.999999'])
      expect(formatCredits(parseCredits(s) as bigint)).toBe(s);
  });
});

describe('overageCredits', () => {
  it('prices overage quantity = overage units / unitsPerQuantity × creditsPerQuantity', () => {
    // cloud_task: 5 units per task at 25 credits; 3 overage units = 0.6 task = 15 credits
    expect(overageCredits(3, 5, 25_000_000n, 1)).toBe(15_000_000n);
  });

  it('rounds up to the micro-credit, never down', () => {
    // 1 unit of a 3-unit operation at 1 credit = 0.333333… → 0.333334
    expect(overageCredits(1, 3, 1_000_000n, 1)).toBe(333_334n);
    expect(overageCredits(3, 3, 1_000_000n, 1)).toBe(1_000_000n);
  });

  it('charges all of the quantity when unitsPerQuantity is 0 (credits-only operations)', () => {
    expect(overageCredits(0, 0, 750n, 1_000)).toBe(750_000n);
  });

  it('is zero without overage', () => {
    expect(overageCredits(0, 1, 5_000_000n, 4)).toBe(0n);
  });
});
