export const EVENT_STORE = Symbol('EVENT_STORE');
export const SNAPSHOT_STORE = Symbol('SNAPSHOT_STORE');
export const IDEMPOTENCY_KEYS = Symbol('IDEMPOTENCY_KEYS');
