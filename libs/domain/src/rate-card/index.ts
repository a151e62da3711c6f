export * from './rate-card';
export * from './parse-rate-card';
