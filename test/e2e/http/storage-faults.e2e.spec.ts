/**
 * Storage that is full or unreachable is a 503 with Retry-After, never a 500, and nothing is recorded
 * (SPEC §10): the whole ledger over HTTP, on SQLite whose file system is really full (a tiny tmpfs),
 * and on EventStoreDB through the real client to the double answering UNAVAILABLE, too late, or not
 * at all.
 */
import { EventStoreDBClient } from '@eventstore/db-client';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEsdbDouble, type EsdbDouble } from '../../support/esdb-double/esdb-double';
import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

const usage = (usageId: string) => ({
  usageId,
  accountId: 'acct-f',
  product: 'codex',
  operation: 'local_message',
  quantity: 1,
});

const holdBody = (holdId: string) => ({
  holdId,
  accountId: 'acct-f',
  product: 'codex',
  lines: [{ operation: 'local_message', quantity: 1 }],
});

/** A 4 MiB tmpfs to put the data dir on, or undefined where mounting is not allowed. */
function tinyFileSystem(): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ledger-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    removeDir(dir);
    return undefined;
  }
}

/** Writes a file until the file system refuses: the disk is now full, for real. */
function fillUp(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(16 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

const mountable = tinyFileSystem();

(mountable ? describe : describe.skip)('storage faults (e2e) [sqlite, disk full]', () => {
  let ledger: TestLedger;
  const mount = mountable as string;
  beforeAll(async () => {
    ledger = await startTestLedger({}, { dataDir: path.join(mount, 'data'), engine: 'sqlite' });
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-f', plan: 'plus' }).expect(201);
  });
  afterAll(async () => {
    await ledger.close();
    execFileSync('umount', [mount]);
    removeDir(mount);
  });

  it('answers 503 with Retry-After while the disk is full, records nothing, and records the retry once there is room', async () => {
    const filler = fillUp(mount);
    const full = await ledger.as('service').post('/v1/usage', usage('u-full'));
    expect(full.status).toBe(503);
    expect(Number(full.headers['retry-after'])).toBeGreaterThan(0);
    expect(full.body).toMatchObject({
      statusCode: 503,
      message: expect.stringMatching(/SQLITE_FULL|ENOSPC/),
    });
    // A batch on the full disk: every item a retryable 503, never a 500 (the same fault as above).
    const batch = await ledger
      .as('service')
      .post('/v1/usage/batch', { records: [usage('u-full-b1'), usage('u-full-b2')] });
    expect(batch.status).toBe(200);
    expect(batch.headers['retry-after']).toBeDefined();
    for (const item of batch.body.results as { status: number; retryAfterSeconds?: number }[]) {
      expect(item).toMatchObject({ status: 503, retryAfterSeconds: 30 });
    }
    // A hold on the full disk: the same 503, nothing held.
    const hold = await ledger.as('service').post('/v1/holds', holdBody('h-full'));
    expect(hold.status).toBe(503);
    expect(Number(hold.headers['retry-after'])).toBeGreaterThan(0);
    fs.rmSync(filler);
    await ledger.as('service').post('/v1/holds', holdBody('h-full')).expect(201);
    // Not a replay: the first attempt left nothing behind.
    const retried = await ledger.as('service').post('/v1/usage', usage('u-full'));
    expect(retried.status).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
  });
});

describe('storage faults (e2e) [eventstoredb]', () => {
  let double: EsdbDouble;
  let ledger: TestLedger;
  beforeAll(async () => {
    double = await startEsdbDouble();
    ledger = await startTestLedger(
      // The client's own deadline knob, which the adapter also applies to reads.
      { EVENTSTORE_CONNECTION_STRING: `${double.connectionString}&defaultDeadline=1000` },
      { engine: 'eventstoredb', double },
    );
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-f', plan: 'plus' }).expect(201);
  });
  afterAll(async () => {
    double.faults.set(undefined);
    await ledger.close();
    removeDir(ledger.dataDir);
  });
  afterEach(() => double.faults.set(undefined));

  const appendedUsage = (id: string) =>
    (double.log.stream('account-acct-f') ?? []).filter((e) => Buffer.from(e.data).toString().includes(id));

  it('answers 503 with Retry-After when the server is unavailable, and nothing is appended', async () => {
    double.faults.set({ kind: 'unavailable' });
    const answer = await ledger.as('service').post('/v1/usage', usage('u-down'));
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.body.message).toMatch(/unavailable/);
    expect(appendedUsage('u-down')).toHaveLength(0);
    double.faults.set(undefined);
    await ledger.as('service').post('/v1/usage', usage('u-down')).expect(201);
    expect(appendedUsage('u-down')).toHaveLength(1);
  });

  it('answers a hold, a settlement and a release 503 with Retry-After while the server is unavailable; their retries record once', async () => {
    double.faults.set({ kind: 'unavailable' });
    const down = await ledger.as('service').post('/v1/holds', holdBody('h-down'));
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    expect(appendedUsage('h-down')).toHaveLength(0);
    double.faults.set(undefined);
    await ledger.as('service').post('/v1/holds', holdBody('h-down')).expect(201);
    await ledger.as('service').post('/v1/holds', holdBody('h-down-2')).expect(201);
    double.faults.set({ kind: 'unavailable' });
    const settlement = { usageId: 'u-h-down', lines: [{ operation: 'local_message', quantity: 1 }] };
    const settle = await ledger.as('service').post('/v1/holds/h-down/settlement', settlement);
    expect(settle.status).toBe(503);
    expect(settle.headers['retry-after']).toBeDefined();
    const release = await ledger.as('service').post('/v1/holds/h-down-2/release', { reason: 'x' });
    expect(release.status).toBe(503);
    expect(release.headers['retry-after']).toBeDefined();
    double.faults.set(undefined);
    await ledger.as('service').post('/v1/holds/h-down/settlement', settlement).expect(201);
    await ledger.as('service').post('/v1/holds/h-down-2/release', { reason: 'x' }).expect(200);
    expect(appendedUsage('u-h-down')).toHaveLength(1);
  });

  it('answers 503 when the server does not answer within the deadline, and the retry records once', async () => {
    double.faults.set({ kind: 'delay', ms: 3_000 });
    const answer = await ledger.as('service').post('/v1/usage', usage('u-slow'));
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBeDefined();
    double.faults.set(undefined);
    const retried = await ledger.as('service').post('/v1/usage', usage('u-slow'));
    expect([200, 201]).toContain(retried.status);
    expect(appendedUsage('u-slow').length).toBeLessThanOrEqual(1);
  });

  it('answers 503 when the cluster has no leader to take the write', async () => {
    double.faults.set({ kind: 'not-leader', leader: double.endpoint });
    const answer = await ledger.as('service').post('/v1/usage', usage('u-election'));
    expect(answer.status).toBe(503);
    expect(answer.body.message).toMatch(/not-leader/);
  });

  // Last: the account is gone for good after this one.
  it("answers 410 with a clear message once an operator tombstoned the account's stream", async () => {
    const client = EventStoreDBClient.connectionString(double.connectionString);
    await client.tombstoneStream('account-acct-f');
    await client.dispose();
    const answer = await ledger.as('service').post('/v1/usage', usage('u-gone'));
    expect(answer.status).toBe(410);
    expect(answer.body.message).toMatch(/deleted in the event store/);
  });
});
