import { chromium, type Browser } from 'playwright-core';
import { KEYS } from '../support/ledger-app';
import { startConsoleLedger, type ConsoleLedger } from './console-ledger';

/**
 * The console on a long history (opt-in: `CONSOLE_LARGE_EVENTS=100000 npx jest test/console/console-large`):
 * the account view, the balance chart and a timeline page stay a handful of bounded requests however
 * many events the account has. Seeding 100,000 events takes a few minutes, so `npm test` skips it;
 * docs/console/README.md has the figures of a run.
 */
const EVENTS = Number(process.env.CONSOLE_LARGE_EVENTS ?? 0);
const ACCOUNT = 'big-acct';
const BATCH = 1000;
const HOUR = 3_600_000;

(EVENTS > 0 ? describe : describe.skip)(`the console on an account with ${EVENTS} events`, () => {
  let server: ConsoleLedger;
  let browser: Browser;

  beforeAll(async () => {
    server = await startConsoleLedger();
    const { ledger } = server;
    const service = ledger.as('service');
    await service.post('/v1/accounts', { accountId: ACCOUNT, plan: 'plus' }).expect(201);
    await service
      .post(`/v1/accounts/${ACCOUNT}/credits/purchases`, {
        purchaseId: 'p-big',
        credits: '1000000',
        amountPaid: { amountMinor: 100000, currency: 'USD' },
      })
      .expect(201);
    for (let done = 2; done < EVENTS; done += BATCH) {
      const records = Array.from({ length: Math.min(BATCH, EVENTS - done) }, (_, i) => ({
        usageId: `u-${done + i}`,
        accountId: ACCOUNT,
        product: 'codex',
        operation: 'local_message',
        quantity: 1,
      }));
      await service.post('/v1/usage/batch', { records }).expect(200);
      await ledger.advanceClock(HOUR);
    }
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
  }, 1_800_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens the account, its chart and a page, goes to a late instant and pages on, in bounded requests', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    page.setDefaultTimeout(30_000);
    const timelineCalls: URL[] = [];
    const notificationCalls: URL[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/timeline') || r.url().includes('/journal')) timelineCalls.push(new URL(r.url()));
      if (r.url().includes('/notifications')) notificationCalls.push(new URL(r.url()));
    });
    await page.goto(`${server.url}/console`);
    await page.getByLabel('API key').fill(KEYS.support);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Account id').fill(ACCOUNT);

    let started = Date.now();
    await page.getByRole('button', { name: 'Find account' }).click();
    await page
      .getByTestId('timeline-page')
      .filter({ hasText: /positions/ })
      .waitFor();
    await page.getByTestId('balance-chart').waitFor();
    const openMs = Date.now() - started;

    started = Date.now();
    await page
      .getByRole('group', { name: 'Timeline pages' })
      .getByRole('button', { name: 'Next page' })
      .click();
    await page.getByTestId('timeline-page').filter({ hasText: 'Page 2 ·' }).waitFor();
    const nextMs = Date.now() - started;

    started = Date.now();
    const late = new Date(Date.parse('2026-11-01T00:00:00Z') + (EVENTS / BATCH - 2) * HOUR).toISOString();
    await page.getByLabel('Events from (UTC)').fill(late.slice(0, 19));
    await page.getByRole('button', { name: 'Go to time' }).click();
    await page.getByTestId('timeline-page').filter({ hasText: 'from' }).waitFor();
    const jumpMs = Date.now() - started;

    const balance = await page.getByTestId('balance').innerText();
    console.log(
      `console on ${EVENTS} events: account + chart + first page ${openMs} ms, next page ${nextMs} ms, go to time ${jumpMs} ms; ` +
        `${timelineCalls.length} timeline/journal requests; balance ${balance}`,
    );
    for (const call of timelineCalls) expect(Number(call.searchParams.get('limit'))).toBeLessThanOrEqual(50);
    // One page, 1 + 25 chart samples, the next page, the journal seek and its page.
    expect(timelineCalls.length).toBeLessThanOrEqual(30);
    // The notifications panel: one page of at most 50, whatever the account has had.
    expect(notificationCalls.length).toBe(1);
    expect(Number(notificationCalls[0].searchParams.get('limit'))).toBe(50);
    expect(Math.max(openMs, nextMs, jumpMs)).toBeLessThan(10_000);
  }, 120_000);
});
