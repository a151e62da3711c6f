export const RATE_CARD = Symbol('RATE_CARD');
