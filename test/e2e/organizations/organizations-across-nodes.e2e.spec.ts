import { memberUsageHoldId } from '@ledger/domain';
import { CLOCK, type Clock } from '../../../apps/ledger/src/clock/clock';
import { AccountCommandsService } from '../../../apps/ledger/src/core/account-commands.service';
import { OrganizationCommandsService } from '../../../apps/ledger/src/organizations/organization-commands.service';
import { ReservationSweeper } from '../../../apps/ledger/src/organizations/reservation-sweeper';
import { startEsdbDouble, type EsdbDouble } from '../../support/esdb-double/esdb-double';
import { ENGINES, removeDir, startTestLedger, type TestLedger } from '../../support/ledger-app';
import { memberSteps } from './member-steps';
import { orgRequests, TOKENS, tokensFor } from './org-requests';

/** No periodic sweep during the test: the test runs the sweeper itself. */
const ENV = { LEDGER_EXPIRY_SWEEP_MS: '86400000' };

/**
 * Two ledger nodes on one log (two apps on one SQLite file; two apps on one EventStoreDB double),
 * each with its own cache, read models and clock: a member usage started on one node is finished
 * (settled, repaired) on the other, and members spending through both never pass pool or limit.
 */
describe.each(ENGINES)('organisations across two nodes on one log [%s]', (engine) => {
  let double: EsdbDouble | undefined;
  let a: TestLedger;
  let b: TestLedger;
  const onA = orgRequests(() => a);
  const onB = orgRequests(() => b);
  const stepsOnA = memberSteps(() => ({
    organizations: a.app.get(OrganizationCommandsService),
    accounts: a.app.get(AccountCommandsService),
    now: () => a.app.get<Clock>(CLOCK).now(),
  }));

  beforeAll(async () => {
    if (engine === 'eventstoredb') {
      double = await startEsdbDouble();
      a = await startTestLedger(ENV, { engine, double });
      b = await startTestLedger(ENV, { engine, double });
    } else {
      a = await startTestLedger(ENV, { engine });
      b = await startTestLedger(ENV, { engine, dataDir: a.dataDir });
    }
    await b.advanceClock(1_000);
  });
  afterAll(async () => {
    await a.app.close();
    await b.app.close();
    await double?.stop();
    removeDir(a.dataDir);
  });

  const member = async (orgId: string, accountId: string) => {
    await onA.openAccount(accountId);
    await onA.addMember(orgId, accountId).expect(200);
  };

  it('a usage recorded on node A and cut before its settlement is settled by its retry on node B', async () => {
    await onA.openOrg('org-n1', '100');
    await member('org-n1', 'acct-n1');
    const holdId = memberUsageHoldId('acct-n1', 'u-n1', 1);
    const usage = {
      usageId: 'u-n1',
      accountId: 'acct-n1',
      product: 'codex',
      operation: TOKENS,
      quantity: tokensFor(30),
    };
    await stepsOnA.reserve('org-n1', usage, holdId, '30');
    expect(await stepsOnA.recordWith('org-n1', usage, holdId)).toMatchObject({ kind: 'appended' });
    const retry = await onB.spend('u-n1', 'acct-n1', 30).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const settled = (await onA.events('organization-org-n1')).filter((e) => e.type === 'MemberSpendSettled');
    expect(settled.map((e) => e.data)).toMatchObject([{ holdId, credits: '30' }]);
    // Node B spends on for the member: its pool balance is what node A left.
    const next = await onB.spend('u-n1b', 'acct-n1', 9).expect(201);
    expect(next.body.credits.balance).toBe('61');
  });

  it('a reservation node A made before dying is repaired by node B’s sweeper; the retry on A pays once', async () => {
    await onA.openOrg('org-n2', '100');
    await member('org-n2', 'acct-n2');
    const holdId = memberUsageHoldId('acct-n2', 'u-n2', 1);
    const usage = {
      usageId: 'u-n2',
      accountId: 'acct-n2',
      product: 'codex',
      operation: TOKENS,
      quantity: tokensFor(30),
    };
    await stepsOnA.reserve('org-n2', usage, holdId, '30');
    await b.advanceClock(11 * 60_000);
    expect(await b.app.get(ReservationSweeper).sweep()).toBe(1);
    const memberStream = await onA.events('account-acct-n2');
    expect(memberStream.map((e) => e.type)).toContain('PoolReservationLapsed');
    const retried = await onA.spend('u-n2', 'acct-n2', 30).expect(201);
    expect(retried.body.credits.balance).toBe('70');
    const pool = await onA.events('organization-org-n2');
    expect(pool.filter((e) => e.type === 'MemberSpendExpired').map((e) => e.data.holdId)).toEqual([holdId]);
    expect(pool.filter((e) => e.type === 'MemberSpendSettled').map((e) => e.data.credits)).toEqual(['30']);
  });

  it('members spending through both nodes at once never pass the pool or their limit', async () => {
    await onA.openOrg('org-n3', '60');
    await onA.limit('org-n3', 'default', '27').expect(200);
    const members = ['acct-n3a', 'acct-n3b', 'acct-n3c'];
    for (const accountId of members) await member('org-n3', accountId);
    const send = async (i: number) => {
      const accountId = members[i % members.length];
      for (let attempt = 0; ; attempt++) {
        const res = await (i % 2 === 0 ? onA : onB).spend(`u-n3-${i}`, accountId, 9);
        if (res.status !== 503 || attempt === 5) return { accountId, res };
      }
    };
    const answers = await Promise.all(Array.from({ length: 15 }, (_, i) => send(i)));
    expect(answers.map(({ res }) => res.status).filter((s) => s !== 201 && s !== 402)).toEqual([]);
    const accepted = answers.filter(({ res }) => res.status === 201);
    // 60 credits pay 6 usages of 9 (54); a member's limit of 27 pays 3 of its 5.
    expect(accepted).toHaveLength(6);
    for (const accountId of members)
      expect(accepted.filter((x) => x.accountId === accountId).length).toBeLessThanOrEqual(3);
    const pool = await onA.events('organization-org-n3');
    const settled = pool.filter((e) => e.type === 'MemberSpendSettled').map((e) => Number(e.data.credits));
    expect(settled.reduce((x, y) => x + y, 0)).toBe(54);
    expect(pool.filter((e) => e.type === 'MemberSpendReserved').length).toBe(
      pool.filter((e) => ['MemberSpendSettled', 'MemberSpendReleased'].includes(e.type)).length,
    );
    const charged = answers
      .filter(({ res }) => res.status === 201)
      .map(({ res }) => Number(res.body.charged.credits));
    expect(charged.reduce((x, y) => x + y, 0)).toBe(54);
  }, 60_000);

  it('one member’s usages drawing its windows and the pool at once, from both nodes: the pool settles exactly what the answers charged', async () => {
    await onA.openOrg('org-n4', '1000');
    await member('org-n4', 'acct-n4');
    // 16 × 20 units against a 150-unit window: 150 units from the window, 170 units of overage at
    // 5 credits = 850 credits from the pool, whatever the order; a usage priced on windows another
    // one then drew needs more than it reserved, and reserves again.
    const send = async (i: number) => {
      for (let attempt = 0; ; attempt++) {
        const res = await (i % 2 === 0 ? a : b).as('service').post('/v1/usage', {
          usageId: `u-n4-${i}`,
          accountId: 'acct-n4',
          product: 'codex',
          operation: 'local_message',
          quantity: 20,
        });
        if (res.status !== 503 || attempt === 5) return res;
      }
    };
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => send(i)));
    expect(answers.map((res) => res.status)).toEqual(Array.from({ length: 16 }, () => 201));
    const sum = (values: number[]) => values.reduce((x, y) => x + y, 0);
    expect(sum(answers.map((res) => res.body.charged.allowanceUnits as number))).toBe(150);
    expect(sum(answers.map((res) => Number(res.body.charged.credits)))).toBe(850);
    const pool = await onA.events('organization-org-n4');
    const ofType = (type: string) => pool.filter((e) => e.type === type);
    expect(sum(ofType('MemberSpendSettled').map((e) => Number(e.data.credits)))).toBe(850);
    expect(ofType('MemberSpendReserved')).toHaveLength(
      ofType('MemberSpendSettled').length + ofType('MemberSpendReleased').length,
    );
    const view = await onA.view('org-n4', await onA.head());
    expect(view.credits).toMatchObject({ balance: '150', held: '0' });
    expect(view.members).toMatchObject([{ accountId: 'acct-n4', spentThisMonth: '850' }]);
  }, 60_000);
});
