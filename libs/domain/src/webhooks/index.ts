export * from './subscriptions';
export * from './deliveries';
export * from './delivery-backoff';
export * from './dispatch-lease';
