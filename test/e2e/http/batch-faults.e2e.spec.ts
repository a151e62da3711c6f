import { TooManyConflictsError } from '@ledger/event-store';
import { AccountCommandsService } from '../../../apps/ledger/src/core/account-commands.service';
import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

/**
 * A batch item that gives up after repeated version conflicts is a retryable 503 for that item alone
 * (API.md: one bad record never fails the others), never a 500 carrying an internal message.
 * Deterministic: the account service gives up on exactly one record, as it does when other writers
 * win all its bounded attempts (test/reliability/contention provokes the real race).
 */
describe('usage batch: per-item faults (e2e)', () => {
  let ledger: TestLedger;

  beforeAll(async () => {
    ledger = await startTestLedger();
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-q', plan: 'plus' }).expect(201);
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  const record = (usageId: string) => ({
    usageId,
    accountId: 'acct-q',
    product: 'codex',
    operation: 'local_message',
    quantity: 1,
  });

  it('answers the contended record 503 with retryAfterSeconds and Retry-After, the others as usual', async () => {
    const service = ledger.app.get(AccountCommandsService);
    const real = service.execute.bind(service);
    jest.spyOn(service, 'execute').mockImplementation(async (input, actor) => {
      if (input.type === 'RecordUsage' && input.data.usageId === 'u-contended') {
        throw new TooManyConflictsError('account-acct-q', 8);
      }
      return real(input, actor);
    });
    const res = await ledger
      .as('service')
      .post('/v1/usage/batch', { records: [record('u-1'), record('u-contended'), record('u-2')] })
      .expect(200);
    expect(res.headers['retry-after']).toBe('1');
    const [first, contended, last] = res.body.results;
    expect(first).toMatchObject({ status: 201, usageId: 'u-1', outcome: 'accepted' });
    expect(last).toMatchObject({ status: 201, usageId: 'u-2', outcome: 'accepted' });
    expect(contended).toEqual({
      status: 503,
      usageId: 'u-contended',
      retryAfterSeconds: 1,
      error: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: expect.stringContaining('retry it with the same usageId'),
      },
    });
    expect(JSON.stringify(contended)).not.toContain('version conflicts');

    // Resent with the same id once the contention is over, it is recorded once.
    jest.restoreAllMocks();
    const again = await ledger.as('service').post('/v1/usage/batch', { records: [record('u-contended')] });
    expect(again.body.results[0]).toMatchObject({ status: 201, usageId: 'u-contended' });
    expect(again.headers['retry-after']).toBeUndefined();
  });

  it('answers an unexpected fault 500 for that item without its internal message', async () => {
    const service = ledger.app.get(AccountCommandsService);
    jest.spyOn(service, 'execute').mockRejectedValueOnce(new Error('SQLITE_CORRUPT: /secret/path/ledger.db'));
    const res = await ledger
      .as('service')
      .post('/v1/usage/batch', { records: [record('u-boom')] })
      .expect(200);
    expect(res.body.results[0]).toEqual({
      status: 500,
      usageId: 'u-boom',
      error: { statusCode: 500, message: 'Internal server error' },
    });
  });
});
