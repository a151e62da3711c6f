export * from './snapshot-codec';
export * from './snapshot-store';
export * from './sqlite-snapshot-store';
export * from './sqlite-idempotency-key-store';
export * from './corrupt-file';
