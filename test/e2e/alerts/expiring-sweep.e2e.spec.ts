import { ExpiryScheduler } from '../../../apps/ledger/src/expiry/expiry-scheduler';
import { CLOCK_START, ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';

const DAY_MS = 86_400_000;

/**
 * `credits.expiring` for an account without traffic (SPEC §8): the expiry scheduler's sweep issues
 * AnnounceExpiringCredits, whose CreditsExpiringSoon event the notifications projection derives
 * the notification from — once per grant, whoever sees the grant first.
 */
describe.each(ENGINES)('credits.expiring on an idle account (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const start = Date.parse(CLOCK_START);
  /** The log's head as /health reports it. */
  const head = async () => (await ledger.http().get('/health').expect(200)).body.position as string;
  const notifications = async () => {
    const res = await ledger
      .as('support')
      .get(`/v1/accounts/acct-idle/notifications?minPosition=${await head()}`)
      .expect(200);
    return res.body.items as { kind: string; data: Record<string, unknown>; position: string }[];
  };
  const timeline = async () => {
    const res = await ledger
      .as('support')
      .get(`/v1/accounts/acct-idle/timeline?limit=100&minPosition=${await head()}`)
      .expect(200);
    return (res.body.items as { type: string }[]).map((i) => i.type);
  };
  const sweep = () => ledger.app.get(ExpiryScheduler).sweep();

  beforeAll(async () => {
    ledger = await startTestLedger({}, { engine });
    await ledger.as('service').post('/v1/accounts', { accountId: 'acct-idle', plan: 'plus' }).expect(201);
    for (const [purchaseId, days] of [
      ['p-soon', 10],
      ['p-later', 30],
    ] as const)
      await ledger
        .as('service')
        .post('/v1/accounts/acct-idle/credits/purchases', {
          purchaseId,
          credits: '25',
          amountPaid: { amountMinor: 250, currency: 'USD' },
          expiresAt: new Date(start + days * DAY_MS).toISOString(),
        })
        .expect(201);
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('announces nothing while no grant expires within 7 days', async () => {
    await sweep();
    expect(await notifications()).toEqual([]);
    expect(await timeline()).not.toContain('CreditsExpiringSoon');
  });

  it('announces the grant once it is within 7 days, without any command of the account, and only once', async () => {
    await ledger.advanceClock(4 * DAY_MS); // p-soon now expires in 6 days
    await sweep(); // (the scheduler's own timer may have swept first: the count is not asserted)
    const listed = await waitForNotifications(1);
    expect(listed).toEqual([
      expect.objectContaining({
        kind: 'credits.expiring',
        data: { grantId: 'p-soon', remaining: '25', expiresAt: new Date(start + 10 * DAY_MS).toISOString() },
      }),
    ]);
    expect(await sweep()).toBe(0);
    expect((await timeline()).filter((t) => t === 'CreditsExpiringSoon')).toHaveLength(1);
  });

  it('turned off (null), a grant entering the horizon is not announced; turned on again, the next sweep announces it', async () => {
    await ledger
      .as('service')
      .put('/v1/accounts/acct-idle/alerts', { creditsBelow: null, expiringWithinDays: null })
      .expect(200);
    await ledger.advanceClock(20 * DAY_MS); // p-later now expires in 6 days; p-soon expired
    await sweep();
    expect((await notifications()).map((n) => n.data.grantId)).toEqual(['p-soon']);
    await ledger
      .as('service')
      .put('/v1/accounts/acct-idle/alerts', { creditsBelow: null, expiringWithinDays: 7 })
      .expect(200);
    await sweep();
    const listed = await waitForNotifications(2);
    expect(listed.map((n) => n.data.grantId)).toEqual(['p-soon', 'p-later']);
  });

  /** The notifications read model at the log's head (it follows the log asynchronously). */
  async function waitForNotifications(count: number) {
    const at = await head();
    const res = await ledger
      .as('support')
      .get(`/v1/accounts/acct-idle/notifications?minPosition=${at}`)
      .expect(200);
    const items = res.body.items as { kind: string; data: Record<string, unknown>; position: string }[];
    expect(items).toHaveLength(count);
    return items;
  }
});
