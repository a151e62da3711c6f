import {
  DELIVERY_SPAN_MS,
  FIRST_RETRY_MS,
  MAX_RETRY_GAP_MS,
  nextAttemptAfter,
  retryDelayMs,
} from './delivery-backoff';

describe('delivery backoff (exponential with deterministic jitter, up to 24 h)', () => {
  it('doubles from 10 s to an hour, each gap in [½, 1] of its ceiling', () => {
    for (const id of ['dlv_a', 'dlv_b', 'dlv_0123456789abcdef']) {
      for (let attempt = 1; attempt <= 40; attempt++) {
        const ceiling = Math.min(FIRST_RETRY_MS * 2 ** (attempt - 1), MAX_RETRY_GAP_MS);
        const gap = retryDelayMs(id, attempt);
        expect({ id, attempt, ok: gap >= ceiling / 2 && gap <= ceiling }).toEqual({ id, attempt, ok: true });
      }
    }
  });

  it('is the same for the same delivery and attempt (every node, every replay), and differs between deliveries', () => {
    expect(retryDelayMs('dlv_a', 3)).toBe(retryDelayMs('dlv_a', 3));
    const spread = new Set(Array.from({ length: 50 }, (_, i) => retryDelayMs(`dlv_${i}`, 5)));
    expect(spread.size).toBeGreaterThan(40);
  });

  it('a schedule from the first attempt: about 30 attempts, the last at the 24 h cut-off, then failed', () => {
    const id = 'dlv_schedule';
    const start = 0;
    const times = [start];
    let attempt = 1;
    let next = nextAttemptAfter(id, attempt, start, start);
    while (next !== null) {
      times.push(next);
      attempt += 1;
      next = nextAttemptAfter(id, attempt, next, start);
    }
    expect(times[times.length - 1]).toBe(DELIVERY_SPAN_MS);
    expect(times.length).toBeGreaterThan(20);
    expect(times.length).toBeLessThan(60);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    // The early gaps are short: a receiver back within a minute is reached within a minute.
    expect(times[1]).toBeLessThanOrEqual(FIRST_RETRY_MS);
    expect(times[4]).toBeLessThanOrEqual(150_000);
  });

  it('refuses an attempt number that is not a positive integer', () => {
    expect(() => retryDelayMs('dlv', 0)).toThrow(RangeError);
    expect(() => retryDelayMs('dlv', 1.5)).toThrow(RangeError);
  });
});
