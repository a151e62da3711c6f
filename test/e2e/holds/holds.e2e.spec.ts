import type { EventStore } from '@ledger/event-store';
import { MAX_OPEN_HOLDS } from '@ledger/domain';
import { EVENT_STORE } from '../../../apps/ledger/src/store/store.tokens';
import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';
import { holdRequests, TOKENS, tokensFor } from './hold-requests';

describe.each(ENGINES)('holds (e2e) [%s]', (engine) => {
  let ledger: TestLedger;
  const service = () => ledger.as('service');
  const { head, open, hold, settle, release } = holdRequests(() => ledger);
  /** GET /v1/holds/{holdId} once the read models have applied `position`. */
  const holdView = async (holdId: string, position: string) =>
    (await ledger.as('support').get(`/v1/holds/${holdId}?minPosition=${position}`).expect(200)).body;
  const eventsOf = async (accountId: string) =>
    ledger.app.get<EventStore>(EVENT_STORE).readStream(`account-${accountId}`);

  beforeAll(async () => {
    ledger = await startTestLedger({}, { engine });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  it('places a hold (201): the credits are held, out of the balance; a retry answers 200 with the same body', async () => {
    await open('acct-place', '100');
    const placed = await hold('h-place', 'acct-place', 30).expect(201);
    expect(placed.body).toMatchObject({
      holdId: 'h-place',
      accountId: 'acct-place',
      status: 'held',
      held: { allowanceUnits: 0, credits: '30', allocations: [{ grantId: 'p-acct-place', credits: '30' }] },
      credits: { balance: '70', held: '30' },
    });
    expect(Date.parse(placed.body.expiresAt) - Date.parse(placed.body.recordedAt)).toBe(3_600_000);
    expect(await holdView('h-place', placed.body.position)).toMatchObject({
      status: 'held',
      held: { credits: '30' },
      expiresAt: placed.body.expiresAt,
    });
    const account = await ledger
      .as('support')
      .get(`/v1/accounts/acct-place?minPosition=${placed.body.position}`)
      .expect(200);
    expect(account.body.credits).toMatchObject({ balance: '70', held: '30' });
    expect(account.body.credits.grants[0]).toMatchObject({
      grantId: 'p-acct-place',
      remaining: '70',
      held: '30',
    });
    expect(BigInt(placed.body.position)).toBeGreaterThan(0n);
    const before = await head();
    const again = await hold('h-place', 'acct-place', 30).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(placed.body);
    await hold('h-place', 'acct-place', 33).expect(409);
    expect(await head()).toBe(before);
  });

  it('holds allowance units too: windows show them held, remaining = limit − used − held', async () => {
    await open('acct-units');
    const placed = await service()
      .post('/v1/holds', {
        holdId: 'h-units',
        accountId: 'acct-units',
        product: 'codex',
        lines: [{ operation: 'cloud_task', quantity: 4 }],
      })
      .expect(201);
    expect(placed.body.held).toMatchObject({ allowanceUnits: 20, credits: '0' });
    const fiveHours = placed.body.windows.find((w: { window: string }) => w.window === '5h');
    expect(fiveHours).toMatchObject({ used: 0, held: 20, limit: 150, remaining: 130 });
    const usage = await service()
      .post('/v1/usage', {
        usageId: 'u-beside',
        accountId: 'acct-units',
        product: 'codex',
        operation: 'local_message',
        quantity: 10,
      })
      .expect(201);
    expect(usage.body.windows.find((w: { window: string }) => w.window === '5h')).toMatchObject({
      used: 10,
      held: 20,
      remaining: 120,
    });
    // Beyond the hold: its 20 units, then 10 more from the windows like usage; nothing held after.
    const settled = await service()
      .post('/v1/holds/h-units/settlement', {
        usageId: 'u-units',
        lines: [{ operation: 'cloud_task', quantity: 6 }],
      })
      .expect(201);
    expect(settled.body).toMatchObject({
      charged: { allowanceUnits: 30, credits: '0' },
      released: { allowanceUnits: 0, credits: '0' },
      uncollected: '0',
    });
    expect(settled.body.windows.find((w: { window: string }) => w.window === '5h')).toMatchObject({
      used: 40,
      held: 0,
      remaining: 110,
    });
  });

  it('settles within the hold (201): the usage from the hold, the rest released; a retry is 200 with the same body', async () => {
    await open('acct-within', '100');
    await hold('h-within', 'acct-within', 30).expect(201);
    const settled = await settle('h-within', 'u-within', 12).expect(201);
    expect(settled.body).toMatchObject({
      usageId: 'u-within',
      holdId: 'h-within',
      outcome: 'accepted',
      charged: {
        allowanceUnits: 0,
        credits: '12',
        allocations: [{ grantId: 'p-acct-within', credits: '12' }],
      },
      released: { allowanceUnits: 0, credits: '18' },
      uncollected: '0',
      credits: { balance: '88', held: '0' },
    });
    const again = await settle('h-within', 'u-within', 12).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(settled.body);
    expect(await holdView('h-within', settled.body.position)).toMatchObject({
      holdId: 'h-within',
      accountId: 'acct-within',
      status: 'settled',
      usageId: 'u-within',
    });
    const account = await ledger
      .as('support')
      .get(`/v1/accounts/acct-within?minPosition=${settled.body.position}`)
      .expect(200);
    expect(account.body.credits).toMatchObject({ balance: '88', held: '0' });
  });

  it('settles exactly the hold: nothing released, nothing more charged', async () => {
    await open('acct-exact', '100');
    await hold('h-exact', 'acct-exact', 30).expect(201);
    const settled = await settle('h-exact', 'u-exact', 30).expect(201);
    expect(settled.body).toMatchObject({
      charged: { credits: '30' },
      released: { allowanceUnits: 0, credits: '0' },
      uncollected: '0',
      credits: { balance: '70', held: '0' },
    });
  });

  it('settles beyond the hold: the excess charged like usage; with no credits left the rest is uncollected', async () => {
    await open('acct-beyond', '100');
    await hold('h-beyond', 'acct-beyond', 30).expect(201);
    const beyond = await settle('h-beyond', 'u-beyond', 45).expect(201);
    expect(beyond.body).toMatchObject({
      charged: { credits: '45' },
      released: { credits: '0' },
      uncollected: '0',
      credits: { balance: '55' },
    });

    await open('acct-short', '10');
    await hold('h-short', 'acct-short', 6).expect(201);
    const short = await settle('h-short', 'u-short', 15).expect(201);
    expect(short.body).toMatchObject({
      outcome: 'accepted',
      charged: { credits: '10' },
      uncollected: '5',
      uncollectedReason: 'insufficient_credits',
      credits: { balance: '0', held: '0' },
    });
  });

  it('refuses a second hold (402 insufficient_credits) while the first holds the credits; the refusal is replayed', async () => {
    await open('acct-second', '51');
    await hold('h-first', 'acct-second', 39).expect(201);
    const refused = await hold('h-second', 'acct-second', 21).expect(402);
    expect(refused.body).toMatchObject({
      holdId: 'h-second',
      outcome: 'rejected',
      reason: 'insufficient_credits',
      requiredCredits: '21',
      credits: { balance: '12', held: '39' },
    });
    const metrics = (await ledger.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/ledger_commands_total\{command="PlaceHold",outcome="rejected"\} [1-9]/);
    const replay = await hold('h-second', 'acct-second', 21).expect(402);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(refused.body);
    // Usage cannot draw the held credits either.
    const usage = await service()
      .post('/v1/usage', {
        usageId: 'u-second',
        accountId: 'acct-second',
        product: 'codex',
        operation: TOKENS,
        quantity: tokensFor(21),
      })
      .expect(402);
    expect(usage.body).toMatchObject({
      reason: 'insufficient_credits',
      credits: { balance: '12', held: '39' },
    });
  });

  it('releases (200): all it held is back; a retry is 200 with the same body; settle or release after → 409 naming the state', async () => {
    await open('acct-release', '100');
    await hold('h-release', 'acct-release', 30).expect(201);
    const released = await release('h-release').expect(200);
    expect(released.body).toMatchObject({
      holdId: 'h-release',
      status: 'released',
      released: { allowanceUnits: 0, credits: '30' },
    });
    expect(released.headers['idempotent-replayed']).toBeUndefined();
    expect(await holdView('h-release', released.body.position)).toMatchObject({ status: 'released' });
    const again = await release('h-release').expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(released.body);
    const before = await head();
    const late = await settle('h-release', 'u-release', 6).expect(409);
    expect(late.body.message).toContain('released');
    // The same hold released for another reason: the release's key was used with another request.
    await release('h-release', 'another reason').expect(409);
    expect(await head()).toBe(before);
    // The settled hold is settled, not released.
    await hold('h-settled', 'acct-release', 9).expect(201);
    await settle('h-settled', 'u-settled', 9).expect(201);
    expect((await release('h-settled').expect(409)).body.message).toContain('settled');
    expect((await settle('h-settled', 'u-settled-2', 9).expect(409)).body.message).toContain('settled');
  });

  it('releases a hold by itself at expiresAt (the scheduler, on the clock moving): settle after → 409 "expired"', async () => {
    await open('acct-expiry', '100');
    await hold('h-expiry', 'acct-expiry', 30, { ttlSeconds: 60 }).expect(201);
    await ledger.advanceClock(60_000); // expiry is inclusive
    const expired = (await eventsOf('acct-expiry')).filter((e) => e.type === 'HoldExpired');
    expect(expired).toHaveLength(1);
    expect(expired[0].metadata).toMatchObject({ command: 'ExpireHold' });
    expect(expired[0].data).toMatchObject({ holdId: 'h-expiry', released: { credits: '30' } });
    const late = await settle('h-expiry', 'u-expiry', 6).expect(409);
    expect(late.body.message).toContain('expired');
    const position = await head();
    expect(await holdView('h-expiry', position)).toMatchObject({ status: 'expired' });
    const account = await ledger
      .as('support')
      .get(`/v1/accounts/acct-expiry?minPosition=${position}`)
      .expect(200);
    expect(account.body.credits.balance).toBe('100');
  });

  it(`refuses a hold past ${MAX_OPEN_HOLDS} open ones on an account (409, nothing recorded); one released makes room`, async () => {
    await open('acct-many', String(3 * MAX_OPEN_HOLDS + 3));
    // One after the other: concurrent placements on one stream would only conflict and retry.
    const statuses = new Set<number>();
    for (let i = 0; i < MAX_OPEN_HOLDS; i++) statuses.add((await hold(`h-many-${i}`, 'acct-many', 3)).status);
    expect([...statuses]).toEqual([201]);
    const before = await head();
    const refused = await hold('h-many-more', 'acct-many', 3).expect(409);
    expect(refused.body.message).toContain(`${MAX_OPEN_HOLDS} open holds`);
    expect(await head()).toBe(before);
    // A retry of a hold already placed is still its replay.
    expect((await hold('h-many-7', 'acct-many', 3).expect(200)).headers['idempotent-replayed']).toBe('true');
    await release('h-many-7').expect(200);
    await hold('h-many-more', 'acct-many', 3).expect(201);
    await hold('h-many-last', 'acct-many', 3).expect(409);
  }, 60_000);

  it('answers 404 for an unknown hold or usage and 400 naming each bad field, appending nothing', async () => {
    await open('acct-bad', '10');
    const before = await head();
    await settle('h-nowhere', 'u-nowhere', 3).expect(404);
    await release('h-nowhere').expect(404);
    await ledger
      .as('admin')
      .post('/v1/usage/u-nowhere/reversals', { reversalId: 'rv-x', reason: 'r' })
      .expect(404);
    await hold('h-unknown-account', 'acct-nowhere', 3).expect(404);
    const bad = await service()
      .post('/v1/holds', {
        holdId: 'h bad',
        accountId: 'acct-bad',
        product: 'codex',
        lines: [
          { operation: TOKENS, quantity: 0 },
          { operation: TOKENS, quantity: 1, extra: 1 },
        ],
        ttlSeconds: 86_401,
        colour: 'red',
      })
      .expect(400);
    expect(bad.body.fields.map((f: { field: string }) => f.field)).toEqual(
      expect.arrayContaining(['holdId', 'lines.0.quantity', 'lines.1.extra', 'ttlSeconds', 'colour']),
    );
    const noLines = await service()
      .post('/v1/holds', { holdId: 'h-x', accountId: 'acct-bad', product: 'codex', lines: [] })
      .expect(400);
    expect(noLines.body.fields.map((f: { field: string }) => f.field)).toEqual(['lines']);
    const tooMany = Array.from({ length: 101 }, () => ({ operation: TOKENS, quantity: 1 }));
    await service()
      .post('/v1/holds', { holdId: 'h-x', accountId: 'acct-bad', product: 'codex', lines: tooMany })
      .expect(400);
    const badSettle = await service()
      .post('/v1/holds/h-x/settlement', { usageId: 'u-x', lines: [{ operation: TOKENS }] })
      .expect(400);
    expect(badSettle.body.fields.map((f: { field: string }) => f.field)).toEqual(['lines.0.quantity']);
    const badRelease = await service().post('/v1/holds/h-x/release', { reason: '' }).expect(400);
    expect(badRelease.body.fields.map((f: { field: string }) => f.field)).toEqual(['reason']);
    await service()
      .post('/v1/holds/h-x/release', { reason: 'x'.repeat(501) })
      .expect(400);
    await ledger.as('admin').post('/v1/usage/u-x/reversals', { reversalId: 'rv x', reason: 'r' }).expect(400);
    // Roles: holds are the service's, reversals the admin's.
    await ledger.as('admin').post('/v1/holds', { holdId: 'h-x' }).expect(403);
    await service().post('/v1/usage/u-x/reversals', { reversalId: 'rv-x', reason: 'r' }).expect(403);
    expect(await head()).toBe(before);
  });
});
