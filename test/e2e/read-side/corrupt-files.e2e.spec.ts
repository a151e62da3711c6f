import { Logger } from '@nestjs/common';
import { accountStreamName } from '@ledger/domain';
import { SqliteEventStore } from '@ledger/event-store/sqlite';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

const GARBAGE = Buffer.from('this is not a SQLite database, just bytes where one should be\n'.repeat(200));

async function someHistory(ledger: TestLedger, accountId: string, usages: number): Promise<string> {
  const service = ledger.as('service');
  await service.post('/v1/accounts', { accountId, plan: 'plus' }).expect(201);
  await service
    .post(`/v1/accounts/${accountId}/credits/purchases`, {
      purchaseId: `p-${accountId}`,
      credits: '100',
      amountPaid: { amountMinor: 1000, currency: 'USD' },
    })
    .expect(201);
  let position = '';
  for (let i = 0; i < usages; i++) {
    const res = await service
      .post('/v1/usage', {
        usageId: `u-${accountId}-${i}`,
        accountId,
        product: 'codex',
        operation: 'local_message',
        quantity: 1,
      })
      .expect(201);
    position = res.body.position as string;
  }
  return position;
}

const accountAt = async (ledger: TestLedger, accountId: string, position: string) =>
  (await ledger.as('support').get(`/v1/accounts/${accountId}?minPosition=${position}`).expect(200))
    .body as unknown;

/**
 * Some history on `accountId`, a copy of the log, one usage more, then the copy put back: the read
 * models (left from the last run) are now ahead of the log under them. `ledger` is closed after it.
 */
async function restoreAnOlderLog(accountId: string, usages: number) {
  let ledger = await startTestLedger();
  const dataDir = ledger.dataDir;
  const position = await someHistory(ledger, accountId, usages);
  const before = await accountAt(ledger, accountId, position);
  await ledger.app.close();
  const events = join(dataDir, 'events.sqlite');
  const backup = join(dataDir, 'events.backup');
  for (const suffix of ['', '-wal', '-shm'])
    if (fs.existsSync(events + suffix)) fs.copyFileSync(events + suffix, backup + suffix);
  ledger = await startTestLedger({}, { dataDir });
  const later = await ledger
    .as('service')
    .post('/v1/usage', {
      usageId: 'u-late',
      accountId,
      product: 'codex',
      operation: 'local_message',
      quantity: 7,
    })
    .expect(201);
  await accountAt(ledger, accountId, later.body.position as string);
  await ledger.app.close();
  moveFile(backup, events);
  return { dataDir, position, before, later, events };
}

const moveFile = (from: string, to: string) => {
  for (const suffix of ['', '-wal', '-shm']) {
    fs.rmSync(to + suffix, { force: true });
    if (fs.existsSync(from + suffix)) fs.renameSync(from + suffix, to + suffix);
  }
};

/** Derived files (read models, snapshots) that are corrupt or not made from this log never stop the server nor get served. */
describe('corrupt or foreign derived files at start (e2e)', () => {
  let ledger: TestLedger;
  let warnings: jest.SpyInstance;
  let consoleWarnings: jest.SpyInstance;
  beforeEach(() => {
    warnings = jest.spyOn(Logger.prototype, 'warn');
    consoleWarnings = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    warnings.mockRestore();
    consoleWarnings.mockRestore();
    await ledger.close();
    removeDir(ledger.dataDir);
  });
  const warned = () => {
    const lines = [...warnings.mock.calls, ...consoleWarnings.mock.calls].map((call) => String(call[0]));
    return lines;
  };

  it('a garbage read-model file: the server starts, names the file, sets it aside and rebuilds the reads', async () => {
    ledger = await startTestLedger();
    const position = await someHistory(ledger, 'alice', 5);
    const before = await accountAt(ledger, 'alice', position);
    await ledger.app.close();
    const file = join(ledger.dataDir, 'read-models.sqlite');
    fs.rmSync(`${file}-wal`, { force: true });
    fs.rmSync(`${file}-shm`, { force: true });
    fs.writeFileSync(file, GARBAGE);

    ledger = await startTestLedger({}, { dataDir: ledger.dataDir });
    expect(warned().some((line) => line.includes(file) && line.includes('corrupt'))).toBe(true);
    expect(
      fs.readdirSync(ledger.dataDir).some((name) => name.startsWith('read-models.sqlite.corrupt-')),
    ).toBe(true);
    expect(await accountAt(ledger, 'alice', position)).toEqual(before);
    expect((await ledger.as('finance').post('/v1/finance/verify').expect(200)).body.ok).toBe(true);
  });

  it('a garbage snapshot file: the server starts, names the file, drops the cache and commands go on', async () => {
    ledger = await startTestLedger();
    const position = await someHistory(ledger, 'bob', 3);
    const before = await accountAt(ledger, 'bob', position);
    await ledger.app.close();
    const file = join(ledger.dataDir, 'snapshots.sqlite');
    fs.rmSync(`${file}-wal`, { force: true });
    fs.rmSync(`${file}-shm`, { force: true });
    fs.writeFileSync(file, GARBAGE);

    ledger = await startTestLedger({}, { dataDir: ledger.dataDir });
    expect(warned().some((line) => line.includes(file) && line.includes('corrupt'))).toBe(true);
    expect(await accountAt(ledger, 'bob', position)).toEqual(before);
    const next = await ledger
      .as('service')
      .post('/v1/usage', {
        usageId: 'u-bob-9',
        accountId: 'bob',
        product: 'codex',
        operation: 'local_message',
        quantity: 1,
      })
      .expect(201);
    // The idempotency keys were in the dropped cache too: a retry is still recognised (from the log).
    await ledger
      .as('service')
      .post('/v1/usage', {
        usageId: 'u-bob-0',
        accountId: 'bob',
        product: 'codex',
        operation: 'local_message',
        quantity: 1,
      })
      .expect(200);
    expect(await accountAt(ledger, 'bob', next.body.position as string)).toMatchObject({
      windows: expect.arrayContaining([expect.objectContaining({ window: '5h', used: 4 })]),
    });
  });

  it('an older events file restored under newer read models (checkpoints past its head): detected and rebuilt', async () => {
    const { dataDir, position, before } = await restoreAnOlderLog('carol', 3);
    ledger = await startTestLedger({}, { dataDir });
    expect(
      warned().some((line) => line.includes('rebuilt from the log') && line.includes('past the log')),
    ).toBe(true);
    expect(await accountAt(ledger, 'carol', position)).toEqual(before);
    expect((await ledger.as('finance').post('/v1/finance/verify').expect(200)).body.ok).toBe(true);
  });

  it('a restored log as long as the read models but with other events at their checkpoint: detected and rebuilt', async () => {
    const { dataDir, before, later, events } = await restoreAnOlderLog('dave', 2);
    // The restored log grows by as many events, others than the read models saw: same head.
    const log = new SqliteEventStore({ path: events });
    const opened = (await log.readStream(accountStreamName('dave')))[0];
    const appended = await log.appendToStream(
      accountStreamName('erin'),
      [
        {
          id: randomUUID(),
          type: opened.type,
          data: { ...opened.data, accountId: 'erin' },
          metadata: opened.metadata,
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await log.close();
    expect(appended.position.toString()).toBe(later.body.position);

    ledger = await startTestLedger({}, { dataDir });
    expect(
      warned().some((line) => line.includes('rebuilt from the log') && line.includes('last event')),
    ).toBe(true);
    expect(await accountAt(ledger, 'dave', later.body.position as string)).toEqual(before);
    expect((await ledger.as('finance').post('/v1/finance/verify').expect(200)).body.ok).toBe(true);
  });
});
