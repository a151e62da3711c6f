import type { Browser } from 'playwright-core';
import { KEYS } from '../support/ledger-app';
import { launchChromium, openConsole, shot, signIn, textOf } from './console-browser';
import {
  ALERTS_ACCOUNT,
  DEMO_ACCOUNT,
  DEPLETED_USAGES,
  EXPIRED_HOLD,
  EXPIRING_GRANT,
  seedAlertsAccount,
  seedDemoAccount,
  startConsoleLedger,
  type ConsoleLedger,
} from './console-ledger';

/**
 * The support view's notifications (SPEC §8/§9) in chromium, on a ledger of its own (its seed moves
 * the simulated clock, which the other browser spec reads windows by). Every wait is on an element.
 */
jest.setTimeout(90_000);

let server: ConsoleLedger;
let browser: Browser;
let refusedAt: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startConsoleLedger().then(async (started) => {
      ({ refusedAt } = await seedAlertsAccount(started.ledger));
      await seedDemoAccount(started.ledger);
      return started;
    }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('notifications in the support view', () => {
  it('lists them a page of 50 at a time by cursor, each kind in words, and starts at an instant', async () => {
    const { context, page } = await openConsole(browser, server.url);
    const calls: URL[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/notifications')) calls.push(new URL(r.url()));
    });
    await signIn(page, KEYS.support);
    await page.getByLabel('Account id').fill(ALERTS_ACCOUNT);
    await page.getByRole('button', { name: 'Find account' }).click();

    const panel = page.getByRole('region', { name: 'Notifications' });
    const label = panel.getByTestId('notifications-page');
    await label.filter({ hasText: 'Page 1 · 50 shown' }).waitFor();
    const rows = panel.getByRole('row');
    const row = async (kind: string, nth = 0) => textOf(panel.locator(`tr[data-kind="${kind}"]`).nth(nth));
    expect(await row('credits.expiring')).toMatch(
      new RegExp(`Credits expiring grant ${EXPIRING_GRANT}: 10 credits expire \\d{4}-\\d\\d-\\d\\d`),
    );
    expect(await row('window.threshold', 0)).toContain(
      'Window threshold codex 5h window 100% used (threshold 80%), resets',
    );
    expect(await row('window.threshold', 1)).toContain('(threshold 100%)');
    expect(await row('credits.low')).toContain(
      'Credits low balance 45 credits, below the alert threshold of 60',
    );
    expect(await row('topup.requested')).toMatch(/Top-up requested top-up topup-\d+ requested: 105 credits/);
    expect(await row('topup.failed')).toMatch(
      /Top-up failed top-up topup-\d+ failed \(card declined\), 1 in a row/,
    );
    expect(await row('hold.expired')).toContain(`Hold expired hold ${EXPIRED_HOLD} expired`);
    expect(await row('credits.depleted')).toContain(
      'Credits depleted usage u-alerts-refused-0 refused for lack of credits (needed 500)',
    );
    // A header row and 50 notifications: 8 of other kinds, then the first 42 refusals.
    expect(await rows.count()).toBe(51);
    expect(await rows.last().innerText()).toContain('u-alerts-refused-41');
    // Each with its deterministic id, for a consumer to match against a webhook delivery.
    expect(await textOf(panel.locator('tr[data-kind="credits.low"] code'))).toMatch(/^ntf_[0-9a-f]{32}$/);
    await shot(page, 'support-notifications', panel);

    // Next page by cursor: the other 18 refusals, and the end.
    await panel.getByRole('button', { name: 'Next page' }).click();
    await label.filter({ hasText: `Page 2 · ${DEPLETED_USAGES - 42} shown` }).waitFor();
    expect(await rows.nth(1).innerText()).toContain('u-alerts-refused-42');
    expect(await rows.last().innerText()).toContain(`u-alerts-refused-${DEPLETED_USAGES - 1}`);
    expect(await panel.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await panel.getByRole('button', { name: 'Previous page' }).click();
    await label.filter({ hasText: 'Page 1 · 50 shown' }).waitFor();

    // From an instant, by keyboard: the page starts at the first notification of the refusals' hour.
    await panel.getByLabel('Notifications from (UTC)').fill(refusedAt.slice(0, 19));
    await panel.getByLabel('Notifications from (UTC)').press('Enter');
    await label.filter({ hasText: /^Page 1 from .* · 50 shown$/ }).waitFor();
    expect(await rows.nth(1).innerText()).toContain('Hold expired');
    expect(await rows.nth(2).innerText()).toContain('u-alerts-refused-0');

    // The timeline names the alert events too.
    const timeline = page.getByRole('region', { name: 'Timeline' });
    expect(await textOf(timeline.getByRole('row').filter({ hasText: 'AlertsSet' }))).toContain(
      'alerts: credits below 60, expiring within 7 days',
    );
    expect(await textOf(timeline.getByRole('row').filter({ hasText: 'TopUpFailed' }))).toContain(
      'failed (card declined), 1 in a row',
    );

    // The hold that expired, explained: what came back and where; nothing charged.
    await timeline.getByRole('button', { name: `Explain hold ${EXPIRED_HOLD}` }).click();
    const explain = page.getByTestId('explain');
    const expiry = await textOf(explain);
    expect(expiry).toContain(`Explain hold ${EXPIRED_HOLD}: expired`);
    expect(expiry).toMatch(/Outcome expired: not settled by \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(expiry).toContain('Units back to the windows 0 units');
    expect(expiry).toContain('Credits back 5');
    expect(expiry).toContain('Recorded by (key id) system:expiry');
    expect(await textOf(explain.getByRole('row').filter({ hasText: 'p-alerts' }))).toBe(
      'p-alerts 5 back to the grant it was held on',
    );
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('explain-title');
    await shot(page, 'support-hold-expired', explain);

    // Bounded: every call asks for at most 50, and the instant was found by one journal read.
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const call of calls) expect(Number(call.searchParams.get('limit'))).toBe(50);
    await context.close();
  });

  it('an account without notifications says so; a finance key is told they need a support key', async () => {
    const { context, page } = await openConsole(browser, server.url);
    await signIn(page, KEYS.support);
    await page.getByLabel('Account id').fill(DEMO_ACCOUNT);
    await page.getByRole('button', { name: 'Find account' }).click();
    const panel = page.getByRole('region', { name: 'Notifications' });
    // The demo account crossed its 5-hour window's 80% and 100%: two notifications.
    await panel.getByTestId('notifications-page').filter({ hasText: 'Page 1 · 2 shown' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();

    await signIn(page, KEYS.finance);
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByLabel('Account id').fill(DEMO_ACCOUNT);
    await page.getByRole('button', { name: 'Find account' }).click();
    await page.getByText("The account's notifications need a support key.").waitFor();
    expect(await page.getByRole('region', { name: 'Notifications' }).count()).toBe(0);
    await context.close();
  });
});
