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
    const holdId = memberUsageHoldId('acct-r1', 'u-r1', 0);
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
    const holdId = memberUsageHoldId('acct-r2', 'u-r2', 0);
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
    const holdId = memberUsageHoldId('acct-r3', 'u-r3', 0);
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
});
