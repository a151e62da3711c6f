import { StreamName } from '../event-store';

export interface Snapshot {
  /** Revision of the last event folded into `state`: read the stream from `revision + 1n`. */
  readonly revision: bigint;
  readonly state: unknown;
  /** Version of the state's shape/fold; a snapshot of another version must not be used. */
  readonly version: string;
}

/**
 * A cache of folded stream state, never a source of truth: any snapshot may be deleted at any time
 * and rebuilt from the log, so losing one costs only a longer read.
 */
export interface SnapshotStore {
  load(stream: StreamName): Promise<Snapshot | undefined>;
  save(stream: StreamName, revision: bigint, state: unknown, version: string): Promise<void>;
}

/** The snapshot to start from, or undefined when there is none or it was made by another version. */
export async function loadSnapshot(
  snapshots: SnapshotStore,
  stream: StreamName,
  version: string,
): Promise<Snapshot | undefined> {
  const snapshot = await snapshots.load(stream);
  return snapshot?.version === version ? snapshot : undefined;
}
