import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { KEYS } from '../support/ledger-app';
import { launchChromium, openConsole, shot, signIn, textOf } from './console-browser';
import { startConsoleLedger, type ConsoleLedger } from './console-ledger';

/**
 * Webhooks in the operators' view (SPEC §8/§9) in chromium, with the ledger's dispatcher on and a
 * real local receiver: the list, a delivery log that shows a failed attempt, and a redelivery after a
 * confirmation that reaches the receiver with the same notification id. Waits are on the receiver's
 * requests, on elements, or on the API's state with a deadline — never a fixed sleep.
 */
jest.setTimeout(90_000);

const ACCOUNT = 'acct-hooked';

/** Records every POST and answers `answer.status`; `count(n)` resolves once n have arrived. */
async function startReceiver() {
  const received: { notificationId: string; kind: string }[] = [];
  const answer = { status: 500 };
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(
        JSON.parse(Buffer.concat(chunks).toString('utf8')) as { notificationId: string; kind: string },
      );
      res.writeHead(answer.status).end('ok');
      for (const w of waiters.filter((x) => received.length >= x.n)) w.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    answer,
    count: (n: number) =>
      new Promise<void>((resolve, reject) => {
        if (received.length >= n) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`${received.length} of ${n} deliveries arrived`)),
          15_000,
        );
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let server: ConsoleLedger;
let browser: Browser;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let webhookId: string;

/** The dispatcher records its attempt after the receiver answered: ask the API until it shows (bounded). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const deliveries = async () =>
  (await server.ledger.as('admin').get(`/v1/webhooks/${webhookId}/deliveries`).expect(200)).body.items as {
    status: string;
    attempts: number;
  }[];

beforeAll(async () => {
  receiver = await startReceiver();
  [server, browser] = await Promise.all([
    startConsoleLedger({
      LEDGER_WEBHOOK_DISPATCHER: 'on',
      LEDGER_WEBHOOK_ALLOW_PRIVATE: 'true',
      LEDGER_WEBHOOK_POLL_MS: '20',
      LEDGER_WEBHOOK_TIMEOUT_MS: '2000',
    }),
    launchChromium(),
  ]);
  const hook = await server.ledger
    .as('admin')
    .post('/v1/webhooks', { url: receiver.url, kinds: ['window.threshold'] })
    .expect(201);
  webhookId = hook.body.webhookId as string;
  await server.ledger.as('service').post('/v1/accounts', { accountId: ACCOUNT, plan: 'plus' }).expect(201);
  // 120 of 150 units: the 5-hour window crosses 80%, one notification; the receiver answers 500.
  await server.ledger
    .as('service')
    .post('/v1/usage', {
      usageId: 'u-hooked',
      accountId: ACCOUNT,
      product: 'codex',
      operation: 'local_message',
      quantity: 120,
    })
    .expect(201);
  await receiver.count(1);
  await until(async () => (await deliveries())[0]?.attempts === 1, 'the failed attempt in the delivery log');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await receiver?.close();
});

describe('webhooks in the operators view', () => {
  it('lists the webhooks, shows a delivery log with a failed attempt, and redelivers after a confirmation', async () => {
    const { context, page } = await openConsole(browser, server.url);
    await signIn(page, KEYS.admin);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Operators' }).click();
    const panel = page.getByRole('region', { name: 'Webhooks' });
    const row = panel.getByTestId('webhooks').getByRole('row').filter({ hasText: webhookId });
    expect(await textOf(row)).toContain(`${receiver.url} window.threshold`);
    await row.getByRole('button', { name: `Delivery log of ${webhookId}` }).click();

    const log = panel.getByTestId('delivery-log');
    const failed = log.getByTestId('deliveries').getByRole('row').nth(1);
    const firstText = await textOf(failed);
    expect(firstText).toContain(`Window threshold ${ACCOUNT}`);
    expect(firstText).toMatch(
      /pending · 1 attempt, last answer 500, next \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/,
    );
    expect(firstText).toContain(receiver.received[0].notificationId);
    await shot(page, 'operators-webhooks');

    // Deliver again: a confirmation first (nothing is sent before it), which takes the focus.
    receiver.answer.status = 200;
    await failed.getByRole('button', { name: /^Deliver again…/ }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Confirm the redelivery' });
    expect(await textOf(confirm)).toContain(`Send notification ${receiver.received[0].notificationId}`);
    expect(receiver.received).toHaveLength(1);
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe(
      'Confirm redelivery',
    );
    await page.keyboard.press('Enter');
    expect(await textOf(log.getByTestId('redelivery-done'))).toContain('queued again');
    // The receiver gets it again, now, with the same notification id (consumers dedupe on it).
    await receiver.count(2);
    expect(receiver.received[1].notificationId).toBe(receiver.received[0].notificationId);
    await until(async () => (await deliveries())[0]?.status === 'delivered', 'the delivered state');
    await log.getByRole('button', { name: 'Refresh the delivery log' }).click();
    await log.locator('tr[data-status="delivered"]').waitFor();
    expect(await textOf(log.getByTestId('deliveries').getByRole('row').nth(1))).toContain(
      'delivered · 2 attempts, last answer 200',
    );
    await shot(page, 'operators-webhooks-redelivered');
    await context.close();
  });

  it('refuses the webhooks to a support key: the operators view is admin only', async () => {
    const { context, page } = await openConsole(browser, server.url);
    await signIn(page, KEYS.support);
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    // The address typed in by hand: the same page, the route changes.
    await page.evaluate("location.hash = '#/operators'");
    expect(await textOf(page.getByRole('alert'))).toContain('Operators: not allowed');
    expect(await page.getByRole('region', { name: 'Webhooks' }).count()).toBe(0);
    await server.ledger.as('support').get('/v1/webhooks').expect(403);
    await context.close();
  });
});
