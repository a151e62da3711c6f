export * from './duplicate-event-id-error';
export * from './sqlite-database';
export * from './sqlite-event-store';
export { startWorkerScript } from './sqlite-writer-thread';
