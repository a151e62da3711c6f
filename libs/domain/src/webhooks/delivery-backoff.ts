/**
 * When a failed delivery is tried again (SPEC §8): exponential from 10 s, doubling per attempt, at
 * most an hour apart, with jitter so that many deliveries failing together do not return together.
 * The jitter is a pure function of the delivery id and the attempt (FNV-1a), so the schedule is the
 * same on every node and in every replay, and a test can state it.
 */
export const FIRST_RETRY_MS = 10_000;
export const MAX_RETRY_GAP_MS = 3_600_000;
/** A delivery not delivered this long after its first attempt (of its cycle) has failed. */
export const DELIVERY_SPAN_MS = 24 * 3_600_000;

/** 32-bit FNV-1a over the UTF-16 code units: small, pure, stable. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The gap after the `attempt`-th failed attempt (1-based): in [½, 1] × min(10 s × 2^(attempt−1), 1 h). */
export function retryDelayMs(deliveryId: string, attempt: number): number {
  if (!Number.isSafeInteger(attempt) || attempt < 1)
    throw new RangeError('attempt must be a positive integer');
  const ceiling = Math.min(FIRST_RETRY_MS * 2 ** Math.min(attempt - 1, 30), MAX_RETRY_GAP_MS);
  const fraction = fnv1a(`${deliveryId}#${attempt}`) / 0xffffffff;
  return Math.floor(ceiling / 2 + (ceiling / 2) * fraction);
}

/**
 * The next attempt after a failed one at `now`, or null when the span is over (the delivery has
 * failed). The last retry is placed at the cut-off itself, so a receiver back just before it still
 * gets the delivery.
 */
export function nextAttemptAfter(
  deliveryId: string,
  attempt: number,
  now: number,
  cycleStartedAt: number,
): number | null {
  const deadline = cycleStartedAt + DELIVERY_SPAN_MS;
  if (now >= deadline) return null;
  return Math.min(now + retryDelayMs(deliveryId, attempt), deadline);
}
