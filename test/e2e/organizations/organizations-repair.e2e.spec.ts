import { memberUsageHoldId } from '@ledger/domain';
import { CLOCK, type Clock } from '../../../apps/ledger/src/clock/clock';
import { AccountCommandsService } from '../../../apps/ledger/src/core/account-commands.service';
import { OrganizationCommandsService } from '../../../apps/ledger/src/organizations/organization-commands.service';
import { ReservationSweeper } from '../../../apps/ledger/src/organizations/reservation-sweeper';
import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';
import { orgRequests, TOKENS, tokensFor } from './org-requests';
import { memberSteps } from './member-steps';

/** No periodic sweep during the test: the test runs the sweeper itself. */
const ENV = { LEDGER_EXPIRY_SWEEP_MS: '86400000' };
const ELEVEN_MINUTES = 11 * 60_000;

/**
 * A member usage is three appends on two streams (reserve on the pool, usage on the member, settle
 * on the pool). A process that dies between them leaves a reservation open: the sweeper repairs it
 * past its expiry, and an idempotent retry of the usage repairs it sooner.
 */
describe.each(ENGINES)('organisations: a member usage cut between its steps is repaired [%s]', (engine) => {
  let ledger: TestLedger;
  const r = orgRequests(() => ledger);
  const steps = memberSteps(() => ({
    organizations: ledger.app.get(OrganizationCommandsService),
    accounts: ledger.app.get(AccountCommandsService),
    now: () => ledger.app.get<Clock>(CLOCK).now(),
  }));
  const sweep = () => ledger.app.get(ReservationSweeper).sweep();
  const types = async (stream: string) => (await r.events(stream)).map((e) => e.type);

  beforeAll(async () => {
    ledger = await startTestLedger(ENV, { engine });
  });
  afterAll(async () => {
    await ledger.close();
    removeDir(ledger.dataDir);
  });

  const member = async (orgId: string, accountId: string, credits: string) => {
    await r.openOrg(orgId, credits);
    await r.openAccount(accountId);
    await r.addMember(orgId, accountId).expect(200);
  };

  it('died after reserving: past the expiry the sweeper lapses it on the member stream, then expires it; the retry pays once', async () => {
    await member('org-r1', 'acct-r1', '100');
    const holdId = memberUsageHoldId('acct-r1', 'u-r1', 1);
    const usage = {
      usageId: 'u-r1',
      accountId: 'acct-r1',
      product: 'codex',
      operation: TOKENS,
      quantity: tokensFor(30),
    };
    await steps.reserve('org-r1', usage, holdId, '30');
    expect(await sweep()).toBe(0); // not due yet
    await ledger.advanceClock(ELEVEN_MINUTES);
    expect(await sweep()).toBe(1);
    expect(await types('account-acct-r1')).toContain('PoolReservationLapsed');
    expect(await types('organization-org-r1')).toContain('MemberSpendExpired');
    // A usage racing to record with the lapsed reservation loses.
    const late = await steps.recordWith('org-r1', usage, holdId);
    expect(late).toMatchObject({
      kind: 'error',
      error: { code: 'conflict', reason: 'pool_reservation_lapsed' },
    });
    // The caller's retry reserves again (the next id) and pays once.
    const retried = await r.spend('u-r1', 'acct-r1', 30).expect(201);
    expect(retried.body.charged).toMatchObject({
      credits: '30',
      allocations: [{ grantId: 'pp-org-r1', credits: '30' }],
    });
    expect(retried.body.credits.balance).toBe('70');
    const pool = await r.events('organization-org-r1');
    expect(pool.filter((e) => e.type === 'MemberSpendSettled').map((e) => e.data.credits)).toEqual(['30']);
    expect(await sweep()).toBe(0);
  });

  it('died after the usage, before settling: the sweeper settles what the usage charged', async () => {
    await member('org-r2', 'acct-r2', '100');
    const holdId = memberUsageHoldId('acct-r2', 'u-r2', 1);
    const usage = {
      usageId: 'u-r2',
      accountId: 'acct-r2',
      product: 'codex',
      operation: TOKENS,
      quantity: tokensFor(12),
    };
    await steps.reserve('org-r2', usage, holdId, '12');
    expect(await steps.recordWith('org-r2', usage, holdId)).toMatchObject({ kind: 'appended' });
    await ledger.advanceClock(ELEVEN_MINUTES);
    expect(await sweep()).toBe(1);
    expect(await types('account-acct-r2')).not.toContain('PoolReservationLapsed');
    const settled = (await r.events('organization-org-r2')).filter((e) => e.type === 'MemberSpendSettled');
    expect(settled.map((e) => e.data)).toMatchObject([{ holdId, usageId: 'u-r2', credits: '12' }]);
    // The retry is a replay (200) and settles nothing twice.
    const again = await r.spend('u-r2', 'acct-r2', 12).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await types('organization-org-r2')).filter((t) => t === 'MemberSpendSettled')).toHaveLength(1);
  });

  it('died after the usage: the caller’s idempotent retry settles the reservation at once', async () => {
    await member('org-r3', 'acct-r3', '100');
    const holdId = memberUsageHoldId('acct-r3', 'u-r3', 1);
    const usage = {
      usageId: 'u-r3',
      accountId: 'acct-r3',
      product: 'codex',
      operation: TOKENS,
      quantity: tokensFor(9),
    };
    await steps.reserve('org-r3', usage, holdId, '9');
    await steps.recordWith('org-r3', usage, holdId);
    const retry = await r.spend('u-r3', 'acct-r3', 9).expect(200);
    expect(retry.body.charged).toMatchObject({
      credits: '9',
      allocations: [{ grantId: 'pp-org-r3', credits: '9' }],
    });
    const settled = (await r.events('organization-org-r3')).filter((e) => e.type === 'MemberSpendSettled');
    expect(settled.map((e) => e.data)).toMatchObject([{ holdId, credits: '9' }]);
    await ledger.advanceClock(ELEVEN_MINUTES);
    expect(await sweep()).toBe(0);
  });

  it('a restart between the reservation and the usage: the restarted node repairs it and the retry pays once', async () => {
    await member('org-r4', 'acct-r4', '100');
    const holdId = memberUsageHoldId('acct-r4', 'u-r4', 1);
    const usage = {
      usageId: 'u-r4',
      accountId: 'acct-r4',
      product: 'codex',
      operation: TOKENS,
      quantity: tokensFor(15),
    };
    await steps.reserve('org-r4', usage, holdId, '15');
    ledger = await ledger.restart();
    await ledger.advanceClock(ELEVEN_MINUTES);
    expect(await sweep()).toBe(1);
    const retried = await r.spend('u-r4', 'acct-r4', 15).expect(201);
    expect(retried.body.credits.balance).toBe('85');
    const pool = await r.events('organization-org-r4');
    expect(pool.filter((e) => e.type === 'MemberSpendExpired').map((e) => e.data.holdId)).toEqual([holdId]);
    expect(pool.filter((e) => e.type === 'MemberSpendSettled').map((e) => e.data.credits)).toEqual(['15']);
  });

  it('writes off expired pool credits of an idle organisation (OrgCreditsExpired) in the same sweep', async () => {
    await r.openOrg('org-x');
    const now = ledger.app.get<Clock>(CLOCK).now();
    await ledger
      .as('admin')
      .post('/v1/organizations/org-x/credits/grants', {
        grantId: 'og-x',
        credits: '40',
        reason: 'pilot',
        expiresAt: new Date(now + 3_600_000).toISOString(),
      })
      .expect(201);
    expect(await sweep()).toBe(0);
    await ledger.advanceClock(2 * 3_600_000);
    expect(await sweep()).toBe(1);
    const written = (await r.events('organization-org-x')).filter((e) => e.type === 'OrgCreditsExpired');
    expect(written.map((e) => e.data)).toMatchObject([{ grantId: 'og-x', credits: '40' }]);
    expect(await sweep()).toBe(0);
    const view = await r.view('org-x', await r.head());
    expect(view.credits.balance).toBe('0');
    expect(view.credits.grants).toMatchObject([{ grantId: 'og-x', status: 'expired' }]);
  });

  it('after the repairs the pools hold nothing, verification replays the log clean and the trial balance is zero', async () => {
    const position = await r.head();
    for (const [orgId, balance] of [
      ['org-r1', '70'],
      ['org-r2', '88'],
      ['org-r3', '91'],
      ['org-r4', '85'],
    ]) {
      const view = await r.view(orgId, position);
      expect({ orgId, credits: view.credits }).toMatchObject({ orgId, credits: { balance, held: '0' } });
    }
    const verified = await ledger.as('finance').post('/v1/finance/verify').expect(200);
    expect(verified.body).toMatchObject({ ok: true, mismatches: [] });
    const trial = await ledger
      .as('finance')
      .get(`/v1/finance/trial-balance?minPosition=${position}`)
      .expect(200);
    expect(trial.body.total).toBe('0');
  });
});
