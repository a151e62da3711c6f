import { LocalWebhookReceiver } from '../../../apps/ledger/src/webhooks/receiver/local-webhook-receiver';
import { CLOCK_START, ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';
import { orgRequests } from '../organizations/org-requests';

/**
 * Organisation notifications reach webhooks like an account's (SPEC §8): signed, with
 * `organizationId` in the body, the pool's in log order on the organisation's lane. Waits are on
 * the receiver (event-driven, bounded), never a sleep.
 */
const ENV = {
  LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true',
  LEDGER_WEBHOOK_POLL_MS: '20',
  LEDGER_WEBHOOK_TIMEOUT_MS: '10000',
  LEDGER_EXPIRY_SWEEP_MS: '86400000',
};

describe.each(ENGINES)('organisation notifications to a webhook (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  let receiver: LocalWebhookReceiver;
  const r = orgRequests(() => ledger);

  beforeAll(async () => {
    ledger = await startTestLedger(ENV, { engine });
    receiver = await LocalWebhookReceiver.start({
      now: () => Date.parse(CLOCK_START),
      toleranceSeconds: 86_400,
    });
  });
  afterAll(async () => {
    await receiver.close();
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('delivers member_limit.reached, the pool’s credits.low and topup.requested, signed, with organizationId, in log order', async () => {
    const hook = await ledger
      .as('admin')
      .post('/v1/webhooks', {
        url: receiver.url,
        kinds: ['member_limit.reached', 'credits.low', 'topup.requested'],
      })
      .expect(201);
    receiver.useSecret(hook.body.secret as string);
    await r.openOrg('org-h', '30');
    await r.openAccount('acct-h');
    await r.addMember('org-h', 'acct-h').expect(200);
    await ledger
      .as('service')
      .put('/v1/organizations/org-h/alerts')
      .send({ creditsBelow: '25', expiringWithinDays: null })
      .expect(200);
    await ledger
      .as('service')
      .put('/v1/organizations/org-h/auto-top-up')
      .send({ enabled: true, belowCredits: '20', targetCredits: '100', monthlyLimitCredits: '500' })
      .expect(200);
    await r.limit('org-h', 'members/acct-h', '12').expect(200);
    await r.spend('u-h1', 'acct-h', 15).expect(402); // member_limit.reached
    await r.spend('u-h2', 'acct-h', 12).expect(201); // 30 → 18: credits.low and topup.requested

    const kinds = ['member_limit.reached', 'credits.low', 'topup.requested'];
    await receiver.waitUntil(
      () => kinds.every((k) => receiver.delivered().some((n) => n.kind === k)),
      'the three organisation notifications',
    );
    // Arrival order: the pool's two share the organisation's lane (log order); the member's
    // notification is on its own lane, so it is compared by position only.
    const got = receiver.delivered().filter((n) => n.organizationId === 'org-h');
    const byPosition = [...got].sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1));
    expect(byPosition.map((n) => [n.kind, n.accountId, n.organizationId])).toEqual([
      ['member_limit.reached', 'acct-h', 'org-h'],
      ['credits.low', 'org-h', 'org-h'],
      ['topup.requested', 'org-h', 'org-h'],
    ]);
    const pool = got.filter((n) => n.accountId === 'org-h');
    expect(pool.map((n) => n.kind)).toEqual(['credits.low', 'topup.requested']);
    expect(receiver.deliveredRequests().every((q) => q.signature?.valid === true)).toBe(true);
    expect(pool[1].data).toMatchObject({ credits: '82' });
  });
});
