export * from './event-store';
export * from './snapshots';
export * from './sqlite';
export * from './command-handling';
export * from './esdb';
