export { EsdbEventStore, type EsdbEventStoreOptions } from './esdb-event-store';
export { UnsupportedPositionError, decodePosition, encodeCheckpoint, encodeEventPosition } from './positions';
