/**
 * JSON with bigint: ledger state holds micro-credits as bigint, which plain JSON refuses. A bigint
 * is written as {"$bigint":"123"}. Map, Set and functions are refused rather than silently lost.
 */
const BIGINT_TAG = '$bigint';

export function encodeState(state: unknown): string {
  return JSON.stringify(state, (_key, value: unknown) => {
    if (typeof value === 'bigint') return { [BIGINT_TAG]: value.toString() };
    if (value instanceof Map || value instanceof Set || typeof value === 'function') {
      throw new TypeError('snapshot state must be plain data (objects, arrays, strings, numbers, bigint)');
    }
    return value;
  });
}

export function decodeState(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (isBigintTag(value)) return BigInt(value[BIGINT_TAG]);
    return value;
  });
}

function isBigintTag(value: unknown): value is { [BIGINT_TAG]: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 1 &&
    keys[0] === BIGINT_TAG &&
    typeof (value as Record<string, unknown>)[BIGINT_TAG] === 'string'
  );
}
