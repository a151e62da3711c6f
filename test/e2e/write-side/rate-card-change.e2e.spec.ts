import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

// A rate card changes between a command and its retry (an operation, a product or a plan taken off
// the card by a deploy). The retry must answer the original outcome (API.md: retries return the
// original outcome): the names are checked by the decider after the idempotency check, not at the
// door. A new command naming what the card no longer has is refused, listing the card's choices.
describe('a retry across a rate card change (e2e)', () => {
  let ledger: TestLedger | undefined;
  let cardDir: string;
  afterEach(async () => {
    await ledger?.close();
    if (ledger) removeDir(ledger.dataDir);
    removeDir(cardDir);
  });

  it('replays a usage, an account opening and a reset recorded under the earlier card', async () => {
    const card = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../config/rate-card.json'), 'utf8'));
    ledger = await startTestLedger();
    const service = ledger.as('service');
    const opening = { accountId: 'acct-rc', plan: 'edu' };
    await service.post('/v1/accounts', opening).expect(201);
    const usage = {
      usageId: 'u-rc',
      accountId: 'acct-rc',
      product: 'codex',
      operation: 'code_review',
      quantity: 1,
    };
    const first = await service.post('/v1/usage', usage);
    expect([201, 402]).toContain(first.status);
    const reset = {
      resetId: 'r-rc',
      scope: 'plan',
      plan: 'edu',
      product: 'codex',
      reason: 'rate card change test',
    };
    const resetFirst = await ledger.as('admin').post('/v1/limits/resets', reset).expect(201);

    // The next card has no `code_review` operation and no `edu` plan.
    delete card.products.codex.operations.code_review;
    delete card.plans.edu;
    cardDir = fs.mkdtempSync(path.join(path.dirname(ledger.dataDir), 'ledger-card-'));
    const nextCard = path.join(cardDir, 'rate-card.json');
    fs.writeFileSync(nextCard, JSON.stringify(card));
    const dataDir = ledger.dataDir;
    await ledger.app.close();
    ledger = await startTestLedger({ LEDGER_RATE_CARD: nextCard }, { dataDir });
    const retried = await ledger.as('service').post('/v1/usage', usage);
    expect({ status: retried.status, replayed: retried.headers['idempotent-replayed'] }).toEqual({
      status: first.status === 201 ? 200 : 402,
      replayed: 'true',
    });
    expect(retried.body).toEqual(first.body);
    await ledger.as('service').post('/v1/accounts', opening).expect(200);
    const resetAgain = await ledger.as('admin').post('/v1/limits/resets', reset).expect(200);
    expect(resetAgain.body).toEqual(resetFirst.body);

    // New commands naming what the card no longer has: 400, with the card's choices.
    const fresh = await ledger
      .as('service')
      .post('/v1/usage', { ...usage, usageId: 'u-rc-2' })
      .expect(400);
    expect(fresh.body.message).toMatch(
      /^operation must be one of for product "codex": local_message, cloud_task, /,
    );
    const other = await ledger
      .as('service')
      .post('/v1/accounts', { accountId: 'acct-rc-2', plan: 'edu' })
      .expect(400);
    expect(other.body.message).toBe('plan must be one of: free, plus, pro, business, enterprise');
  });
});
