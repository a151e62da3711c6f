import {
  AccountCommandsService,
  type AccountCommandInput,
} from '../../../apps/ledger/src/core/account-commands.service';
import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

const line = (quantity: number) => ({ operation: 'local_message', quantity });

/**
 * The read side of holds through the real HTTP server, on both engines. The hold commands go
 * through the app's own command path (AccountCommandsService: decide, append, idempotency), not
 * HTTP: their POST routes are the shell's (branch h17-shell) and not on this branch.
 */
describe.each(ENGINES)('holds read side (e2e, real HTTP server) [%s]', (engine) => {
  let ledger: TestLedger;
  let position = '0';

  const command = async (input: AccountCommandInput): Promise<void> => {
    const outcome = await ledger.app.get(AccountCommandsService).execute(input, 'tester');
    if (outcome.kind !== 'appended') throw new Error(`${input.type}: ${JSON.stringify(outcome)}`);
    position = String(outcome.events[outcome.events.length - 1].position);
  };

  beforeAll(async () => {
    ledger = await startTestLedger({}, { engine });
    const service = ledger.as('service');
    for (const accountId of ['alice', 'bob']) {
      await service.post('/v1/accounts', { accountId, plan: 'plus' }).expect(201);
      await service
        .post(`/v1/accounts/${accountId}/credits/purchases`, {
          purchaseId: `p-${accountId}`,
          credits: '100',
          amountPaid: { amountMinor: 1000, currency: 'USD' },
        })
        .expect(201);
    }
    const place = (accountId: string, holdId: string, quantity: number) =>
      command({ type: 'PlaceHold', data: { holdId, accountId, product: 'codex', lines: [line(quantity)] } });
    await place('alice', 'h-1', 152); // the 5h window's 150 units, then 2 × 5 credits
    await place('alice', 'h-2', 1);
    await place('alice', 'h-3', 1);
    await place('bob', 'h-3', 1);
    await command({
      type: 'SettleHold',
      data: { holdId: 'h-2', accountId: 'alice', usageId: 'u-s2', lines: [line(1)] },
    });
    await command({ type: 'ReleaseHold', data: { holdId: 'h-3', accountId: 'bob', reason: 'cancelled' } });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('GET /v1/holds/{holdId} after ?minPosition=: the hold as API.md shows it', async () => {
    const res = await ledger.as('support').get(`/v1/holds/h-1?minPosition=${position}`).expect(200);
    expect(res.body).toEqual({
      holdId: 'h-1',
      accountId: 'alice',
      status: 'held',
      lines: [line(152)],
      held: { allowanceUnits: 150, credits: '10', allocations: [{ grantId: 'p-alice', credits: '10' }] },
      expiresAt: expect.any(String),
    });
    const settled = await ledger.as('service').get('/v1/holds/h-2').expect(200);
    expect(settled.body).toMatchObject({ status: 'settled', usageId: 'u-s2' });
  });

  it('answers 404 for an unknown hold, 409 naming the accounts of an ambiguous id, 403 to other roles', async () => {
    await ledger.as('support').get(`/v1/holds/nope?minPosition=${position}`).expect(404);
    const ambiguous = await ledger.as('support').get('/v1/holds/h-3').expect(409);
    expect(ambiguous.body.message).toContain('alice, bob');
    await ledger.as('finance').get('/v1/holds/h-1').expect(403);
  });

  it('shows held units and credits on GET /v1/accounts/{id}, and a zero trial balance', async () => {
    const account = await ledger.as('support').get(`/v1/accounts/alice?minPosition=${position}`).expect(200);
    expect(account.body.credits).toMatchObject({ balance: '80', held: '15' });
    expect(account.body.windows.find((w: { window: string }) => w.window === '5h')).toMatchObject({
      used: 0,
      held: 150,
      remaining: 0,
    });
    const trial = await ledger
      .as('finance')
      .get(`/v1/finance/trial-balance?minPosition=${position}`)
      .expect(200);
    expect(trial.body.total).toBe('0');
    expect(trial.body.ledgerAccounts.held).toBe('15');
  });

  it('GET timeline and journal show each hold event: held after it, postings to and from held', async () => {
    const timeline = await ledger
      .as('support')
      .get(`/v1/accounts/alice/timeline?minPosition=${position}`)
      .expect(200);
    const items = timeline.body.items as { type: string; stateAfter: { balance: string; held: string } }[];
    expect(items.map((i) => i.type)).toEqual([
      'AccountOpened',
      'CreditsPurchased',
      'HoldPlaced',
      'HoldPlaced',
      'HoldPlaced',
      'HoldSettled',
    ]);
    expect(items.map((i) => i.stateAfter.held)).toEqual(['0', '0', '10', '15', '20', '15']);
    expect(items[5].stateAfter.balance).toBe('80');
    const journal = await ledger
      .as('finance')
      .get(`/v1/accounts/alice/journal?minPosition=${position}`)
      .expect(200);
    const entries = journal.body.items as {
      type: string;
      endingBalance: string;
      postings: { ledgerAccount: string; amount: string }[];
    }[];
    expect(entries.find((e) => e.type === 'HoldSettled')?.postings).toEqual([
      expect.objectContaining({ ledgerAccount: 'consumed', amount: '5' }),
      expect.objectContaining({ ledgerAccount: 'held', amount: '-5' }),
    ]);
    expect(entries[entries.length - 1].endingBalance).toBe('80');
  });
});
