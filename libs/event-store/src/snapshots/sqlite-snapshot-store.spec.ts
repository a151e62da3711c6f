import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { loadSnapshot } from './snapshot-store';
import { SqliteSnapshotStore } from './sqlite-snapshot-store';

describe('SqliteSnapshotStore', () => {
  let dir: string;
  let snapshots: SqliteSnapshotStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'snapshots-'));
    snapshots = new SqliteSnapshotStore({ path: join(dir, 'snapshots.db') });
  });
  afterEach(async () => {
    await snapshots.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips state, bigints included', async () => {
    const state = { balance: 12_500_000n, grants: [{ id: 'p-1', remaining: 3n }], plan: 'plus', cap: null };
    await snapshots.save('account-1', 7n, state, 'v1');
    expect(await snapshots.load('account-1')).toEqual({ revision: 7n, state, version: 'v1' });
    expect(await snapshots.load('account-2')).toBeUndefined();
  });

  it('is ignored when made by another version', async () => {
    await snapshots.save('account-1', 7n, { n: 1 }, 'v1');
    expect(await loadSnapshot(snapshots, 'account-1', 'v2')).toBeUndefined();
    expect(await loadSnapshot(snapshots, 'account-1', 'v1')).toMatchObject({ revision: 7n });
  });

  it('keeps the newer of two snapshots of one version, but a new version always replaces', async () => {
    await snapshots.save('account-1', 9n, { n: 9 }, 'v1');
    await snapshots.save('account-1', 4n, { n: 4 }, 'v1');
    expect(await snapshots.load('account-1')).toMatchObject({ revision: 9n });
    await snapshots.save('account-1', 2n, { n: 2 }, 'v2');
    expect(await snapshots.load('account-1')).toMatchObject({ revision: 2n, version: 'v2' });
  });

  it('refuses state it could not restore', async () => {
    await expect(snapshots.save('account-1', 1n, { seen: new Set([1]) }, 'v1')).rejects.toBeInstanceOf(
      TypeError,
    );
  });

  it('can share the events file', async () => {
    const path = join(dir, 'events.db');
    const events = new SqliteEventStore({ path });
    const shared = new SqliteSnapshotStore({ path });
    await events.appendToStream('account-1', [{ id: 'e-1', type: 'Opened', data: {} }], {
      expectedRevision: 'no_stream',
    });
    await shared.save('account-1', 0n, { opened: true }, 'v1');
    expect(await shared.load('account-1')).toMatchObject({ revision: 0n });
    await shared.close();
    await events.close();
  });
});
