import type { Browser } from 'playwright-core';
import { KEYS } from '../support/ledger-app';
import { launchChromium, openConsole, shot, signIn, textOf } from './console-browser';
import {
  DEMO_ORG,
  ORG_MEMBERS,
  seedOrganization,
  startConsoleLedger,
  type ConsoleLedger,
} from './console-ledger';

/**
 * Organisations in the console (SPEC §7/§9) in chromium, against the real ledger's organisation
 * routes: support reads an organisation; an admin sets a group limit and decides credit requests,
 * each after a confirmation. Every wait is on an element or a response, never a sleep.
 */
jest.setTimeout(90_000);

let server: ConsoleLedger;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startConsoleLedger().then(async (started) => {
      await seedOrganization(started.ledger);
      return started;
    }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const orgView = async () =>
  (await server.ledger.as('support').get(`/v1/organizations/${DEMO_ORG}`).expect(200)).body;

describe('organisations in the console', () => {
  it('support: finds the organisation — pool, grants, limits, members with group, spend and limit, requests', async () => {
    const { context, page } = await openConsole(browser, server.url);
    await signIn(page, KEYS.support);
    const nav = page.getByRole('navigation', { name: 'Views' });
    await nav.getByRole('link', { name: 'Organisations' }).click();
    await page.getByLabel('Organisation id').fill(DEMO_ORG);
    await page.getByRole('button', { name: 'Find organisation' }).click();

    const summary = page.getByRole('region', { name: /^Organisation demo-org/ });
    expect(await textOf(summary.getByRole('heading', { level: 2 }))).toBe(
      'Organisation demo-org · Acme Research',
    );
    expect(await textOf(page.getByTestId('org-plan'))).toBe('business');
    // 500 bought into the pool − 30 − 45 − 12 spent by members.
    expect(await textOf(page.getByTestId('org-balance'))).toBe('413');
    expect(await textOf(page.getByTestId('org-held'))).toBe('0');
    expect(await textOf(summary.getByRole('row').filter({ hasText: 'pp-acme' }))).toMatch(
      /^pp-acme purchase 500 413 0 2027-11-01 00:00:00 UTC all 100 active$/,
    );
    expect(await textOf(page.getByTestId('org-limits'))).toBe(
      'Default 100 Groups eng: 60 Members’ own none'.replace('’', "'"),
    );

    const members = page.getByTestId('org-members').getByRole('row');
    expect(await textOf(members.filter({ hasText: ORG_MEMBERS.ana }))).toBe(
      'org-ana eng 30 60 (group limit) 30',
    );
    expect(await textOf(members.filter({ hasText: ORG_MEMBERS.ben }))).toBe(
      'org-ben eng 45 60 (group limit) 15',
    );
    expect(await textOf(members.filter({ hasText: ORG_MEMBERS.cy }))).toBe(
      'org-cy — 12 100 (default limit) 88',
    );

    const requests = page.getByTestId('org-requests').getByRole('row');
    expect(await textOf(requests.filter({ hasText: 'cr-ana-1' }))).toBe(
      'cr-ana-1 org-ana 20 release week pending',
    );
    expect(await textOf(requests.filter({ hasText: 'cr-ben-1' }))).toBe('cr-ben-1 org-ben 15 — pending');
    // Support reads; the operators' controls are not there, and the page says who may use them.
    expect(await page.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Review limit…' }).count()).toBe(0);
    await page.getByText('Setting limits needs an admin key.').waitFor();
    // The organisation's own timeline: the pool's events in words, the pool balance after each.
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline
      .getByTestId('timeline-page')
      .filter({ hasText: /positions/ })
      .waitFor();
    expect(await textOf(timeline.getByRole('row').filter({ hasText: 'OrgCreditsPurchased' }))).toContain(
      '+500 credits bought into the pool (pp-acme) 500',
    );
    expect(await textOf(timeline.getByRole('row').filter({ hasText: 'SpendLimitSet' }).nth(1))).toContain(
      'group eng limit: none → 60 credits a month',
    );
    expect(
      await textOf(
        timeline.getByRole('row').filter({ hasText: 'MemberSpendSettled' }).filter({ hasText: 'u-ben-1' }),
      ),
    ).toContain('u-ben-1: org-ben paid 45 credits from the pool, 0 released');
    expect(await timeline.getByRole('columnheader', { name: 'Windows after' }).count()).toBe(0);
    await shot(page, 'support-organization');

    // A member's row leads to its account, which names its organisation.
    await members.filter({ hasText: ORG_MEMBERS.ana }).getByRole('link', { name: ORG_MEMBERS.ana }).click();
    expect(await textOf(page.getByTestId('account-organization'))).toBe(DEMO_ORG);
    expect(await textOf(page.getByTestId('plan'))).toBe('business');
    // The member's own timeline shows the pool charge its usage caused.
    expect(
      await textOf(
        page
          .getByRole('region', { name: 'Timeline' })
          .getByRole('row')
          .filter({ hasText: 'MemberSpendSettled' }),
      ),
    ).toContain('u-ana-1: org-ana paid 30 credits from the pool');

    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: 'Organisations' })
      .click();
    await page.getByLabel('Organisation id').fill('org-nowhere');
    await page.getByRole('button', { name: 'Find organisation' }).click();
    expect(await textOf(page.getByRole('alert'))).toContain('No organisation "org-nowhere"');
    await context.close();
  });

  it('admin: sets a group limit and decides two credit requests, each after a confirmation', async () => {
    const { context, page } = await openConsole(browser, server.url);
    await signIn(page, KEYS.admin);
    // Signed in (the key kept in the tab) before the address changes: a new document restores it.
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    await page.goto(`${server.url}/console#/organization/${DEMO_ORG}`);
    const members = page.getByTestId('org-members').getByRole('row');
    await members.filter({ hasText: ORG_MEMBERS.ana }).waitFor();

    // A limit the API would refuse is caught before anything is sent.
    await page.getByLabel('Level').selectOption('group');
    await page.getByLabel('Group').fill('eng');
    await page.getByLabel('Credits a month (empty: clear)').fill('eighty');
    await page.getByRole('button', { name: 'Review limit…' }).click();
    expect(await textOf(page.getByRole('alert'))).toContain('Give the limit as a decimal number of credits');

    await page.getByLabel('Credits a month (empty: clear)').fill('80');
    await page.getByRole('button', { name: 'Review limit…' }).click();
    const confirmLimit = page.getByRole('alertdialog', { name: 'Confirm the limit' });
    expect(await textOf(confirmLimit)).toContain(
      'Set the limit of group “eng” of organisation demo-org to 80 credits a month per member.',
    );
    // Nothing is sent before the confirmation, which takes the focus: Enter confirms.
    expect((await orgView()).spendLimits.groups.eng).toBe('60');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe(
      'Confirm limit',
    );
    await shot(page, 'operators-org-limit-confirm');
    await page.keyboard.press('Enter');
    expect(await textOf(page.getByTestId('org-change-done'))).toMatch(
      /^Recorded\. Set the limit of group “eng” .* \(log position \d+\)$/,
    );
    // The view is read again at the change's position: the group's members have the new limit.
    await members
      .filter({ hasText: ORG_MEMBERS.ana })
      .getByRole('cell', { name: '80 (group limit)', exact: true })
      .waitFor();
    expect(await textOf(members.filter({ hasText: ORG_MEMBERS.ana }))).toBe(
      'org-ana eng 30 80 (group limit) 50',
    );
    expect((await orgView()).spendLimits.groups.eng).toBe('80');

    // Approve ana's request: its limit this month becomes its effective limit plus the amount.
    const requests = page.getByTestId('org-requests').getByRole('row');
    await requests
      .filter({ hasText: 'cr-ana-1' })
      .getByRole('button', { name: 'Approve… request cr-ana-1' })
      .click();
    const approve = page.getByRole('alertdialog', { name: 'Confirm the approval' });
    expect(await textOf(approve)).toContain(
      "org-ana's limit this month goes from 80 (group limit) to 100 credits, as its own limit for this month only.",
    );
    await approve.getByLabel('Note to the member (optional)').fill('ok for the release');
    await shot(page, 'operators-org-approve-confirm');
    expect(
      (await orgView()).creditRequests.find((r: { requestId: string }) => r.requestId === 'cr-ana-1').status,
    ).toBe('pending');
    await approve.getByRole('button', { name: 'Confirm approval' }).click();
    const done = page.getByTestId('org-change-done');
    expect(await textOf(done.filter({ hasText: 'cr-ana-1' }))).toMatch(
      /^Request cr-ana-1 of org-ana approved\./,
    );
    await members
      .filter({ hasText: ORG_MEMBERS.ana })
      .getByRole('cell', { name: '100 (member limit)', exact: true })
      .waitFor();
    expect(await textOf(requests.filter({ hasText: 'cr-ana-1' }))).toMatch(
      /^cr-ana-1 org-ana 20 release week approved \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · limit 100 for 2026-11$/,
    );

    // Decline ben's, by keyboard from its button; Cancel first leaves it pending.
    const decline = requests
      .filter({ hasText: 'cr-ben-1' })
      .getByRole('button', { name: 'Decline… request cr-ben-1' });
    await decline.click();
    await page
      .getByRole('alertdialog', { name: 'Confirm the decline' })
      .getByRole('button', { name: 'Cancel' })
      .click();
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    await decline.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('alertdialog', { name: 'Confirm the decline' }).waitFor();
    await page.keyboard.press('Enter');
    expect(await textOf(done.filter({ hasText: 'cr-ben-1' }))).toMatch(
      /^Request cr-ben-1 of org-ben declined\./,
    );
    await requests
      .filter({ hasText: 'cr-ben-1' })
      .getByRole('cell', { name: /^declined / })
      .waitFor();
    expect(await textOf(members.filter({ hasText: ORG_MEMBERS.ben }))).toBe(
      'org-ben eng 45 80 (group limit) 35',
    );
    await shot(page, 'operators-org-decided');
    const after = await orgView();
    // The approval is this month's own limit of the member (not a standing member limit).
    expect(after.members.find((m: { accountId: string }) => m.accountId === ORG_MEMBERS.ana)).toMatchObject({
      limit: '100',
      limitSource: 'member',
    });
    expect(after.spendLimits.members).toEqual({});
    expect(after.creditRequests.map((r: { status: string }) => r.status)).toEqual(['approved', 'declined']);
    await context.close();
  });
});
