import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';
import { orgRequests } from './org-requests';

/** No periodic sweep during the test: only what a test does expires anything. */
const ENV = { LEDGER_EXPIRY_SWEEP_MS: '86400000' };

interface Item {
  kind: string;
  accountId: string;
  organizationId?: string;
  data: Record<string, unknown>;
}

describe.each(ENGINES)('organisation auto top-up (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const r = orgRequests(() => ledger);
  const base = (orgId: string) => `/v1/organizations/${orgId}`;
  const setting = { enabled: true, belowCredits: '20', targetCredits: '100', monthlyLimitCredits: '150' };

  beforeAll(async () => {
    ledger = await startTestLedger(ENV, { engine });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('requests in the append of the member usage that leaves the pool low; a purchase with the topUpId fulfils it; the monthly limit caps it', async () => {
    await r.openOrg('org-t', '30');
    await r.openAccount('acct-t');
    await r.addMember('org-t', 'acct-t').expect(200);
    const set = await ledger
      .as('service')
      .put(`${base('org-t')}/auto-top-up`)
      .send(setting)
      .expect(200);
    expect(set.body).toMatchObject({ organizationId: 'org-t', enabled: true, topUpRequested: null });
    const again = await ledger
      .as('admin')
      .put(`${base('org-t')}/auto-top-up`)
      .send(setting)
      .expect(200);
    expect(again.body).toMatchObject({ belowCredits: '20', topUpRequested: null });

    await r.spend('u-t1', 'acct-t', 12).expect(201); // 30 → 18: below 20
    const pool = await r.events('organization-org-t');
    const requested = pool.filter((e) => e.type === 'TopUpRequested');
    expect(requested.map((e) => e.data)).toMatchObject([
      { topUpId: expect.stringMatching(/^topup-\d+$/), credits: '82' },
    ]);
    // The same append as the reservation that left the pool low.
    const at = pool.findIndex((e) => e.type === 'TopUpRequested');
    expect(pool[at - 1].type).toBe('MemberSpendReserved');
    const topUpId = requested[0].data.topUpId as string;

    // One outstanding: another low usage asks nothing.
    await r.spend('u-t2', 'acct-t', 3).expect(201);
    expect((await r.events('organization-org-t')).filter((e) => e.type === 'TopUpRequested')).toHaveLength(1);
    // Fulfilled by an ordinary org purchase under the topUpId.
    await ledger
      .as('service')
      .post(`${base('org-t')}/credits/purchases`, {
        purchaseId: topUpId,
        credits: '82',
        amountPaid: { amountMinor: 8200, currency: 'USD' },
      })
      .expect(201);
    // 97 drawable; a usage of 78 leaves 19: the next request, capped by what is left of 150 (68).
    const low = await r.spend('u-t3', 'acct-t', 78).expect(201);
    const second = (await r.events('organization-org-t')).filter((e) => e.type === 'TopUpRequested');
    expect(second.map((e) => e.data.credits)).toEqual(['82', '68']);

    const items = (
      await ledger
        .as('support')
        .get(`${base('org-t')}/notifications?minPosition=${low.body.position as string}`)
        .expect(200)
    ).body.items as Item[];
    expect(
      items.filter((n) => n.kind === 'topup.requested').map((n) => [n.accountId, n.organizationId, n.data]),
    ).toEqual([
      ['org-t', 'org-t', { topUpId, credits: '82' }],
      ['org-t', 'org-t', { topUpId: second[1].data.topUpId, credits: '68' }],
    ]);
  });

  it('records failures (201, 200 replay, 409 for another id); the third in a row turns it off; 400 and 403 append nothing', async () => {
    await r.openOrg('org-f', '10');
    await r.openAccount('acct-f');
    await r.addMember('org-f', 'acct-f').expect(200);
    // Already below: the setting itself requests.
    const set = await ledger
      .as('service')
      .put(`${base('org-f')}/auto-top-up`)
      .send(setting)
      .expect(200);
    expect(set.body.topUpRequested).toMatchObject({ credits: '90' });
    const before = await r.head();
    await ledger
      .as('service')
      .put(`${base('org-f')}/auto-top-up`)
      .send({ ...setting, targetCredits: '10' })
      .expect(400);
    await ledger
      .as('admin')
      .post(`${base('org-f')}/top-ups/x/failure`)
      .send({ reason: 'r' })
      .expect(403);
    await ledger
      .as('service')
      .post(`${base('org-f')}/top-ups/topup-999/failure`)
      .send({ reason: 'r' })
      .expect(409);
    expect(await r.head()).toBe(before);

    let topUpId = set.body.topUpRequested.topUpId as string;
    let last: { body: Record<string, unknown> } | undefined;
    for (let i = 1; i <= 3; i += 1) {
      last = await ledger
        .as('service')
        .post(`${base('org-f')}/top-ups/${topUpId}/failure`)
        .send({ reason: 'card declined' })
        .expect(201);
      expect(last.body).toMatchObject({
        organizationId: 'org-f',
        topUpId,
        failuresInARow: i,
        autoTopUpTurnedOff: i === 3,
      });
      if (i === 1) {
        const replay = await ledger
          .as('service')
          .post(`${base('org-f')}/top-ups/${topUpId}/failure`)
          .send({ reason: 'card declined' })
          .expect(200);
        expect(replay.headers['idempotent-replayed']).toBe('true');
        expect(replay.body).toEqual(last.body);
      }
      // The next command that leaves the pool low asks again (until it is off).
      const usage = await r.spend(`u-f${i}`, 'acct-f', 3).expect(201);
      const requested = (await r.events('organization-org-f')).filter((e) => e.type === 'TopUpRequested');
      expect(requested).toHaveLength(i === 3 ? 3 : i + 1);
      topUpId = requested[requested.length - 1].data.topUpId as string;
      last = usage;
    }
    const types = (await r.events('organization-org-f')).map((e) => e.type);
    expect(types.filter((t) => t === 'AutoTopUpDisabled')).toHaveLength(1);
    const items = (
      await ledger
        .as('service')
        .get(`${base('org-f')}/notifications?minPosition=${last?.body.position as string}`)
        .expect(200)
    ).body.items as Item[];
    expect(items.filter((n) => n.kind === 'topup.failed').map((n) => n.data.failuresInARow)).toEqual([
      1, 2, 3,
    ]);
    expect(items.filter((n) => n.kind === 'topup.failed').at(-1)?.data.autoTopUpTurnedOff).toBe(true);
  });
});
