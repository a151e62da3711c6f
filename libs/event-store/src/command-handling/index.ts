export * from './keyed-serializer';
export * from './lru-cache';
export * from './stream-command-handler';
