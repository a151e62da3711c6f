import * as fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { KEYS } from '../support/ledger-app';
import {
  BROKE_ACCOUNT,
  DEMO_ACCOUNT,
  HOLDS_ACCOUNT,
  OPEN_HOLD,
  OVERAGE_USAGE,
  REFUSED_USAGE,
  REVERSAL,
  REVERSED_USAGE,
  SETTLE_USAGE,
  SETTLED_HOLD,
  SHORT_ACCOUNT,
  SHORT_HOLD,
  SHORT_USAGE,
  seedDemoAccount,
  seedHoldsAccount,
  seedShortSettlement,
  startConsoleLedger,
  type ConsoleLedger,
} from './console-ledger';
import { launchChromium, openConsole as openConsoleAt, shot, signIn, textOf } from './console-browser';

/**
 * The console in a real browser: Debian's chromium driven by playwright-core (never a downloaded
 * browser) against the real ledger over HTTP. Every wait is on an element or a response, never a
 * sleep. Screenshots of each view land in docs/console/ (the README shows them).
 */
jest.setTimeout(90_000);

let server: ConsoleLedger;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startConsoleLedger().then(async (started) => {
      await seedDemoAccount(started.ledger);
      await seedHoldsAccount(started.ledger);
      await seedShortSettlement(started.ledger);
      return started;
    }),
    launchChromium(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const openConsole = () => openConsoleAt(browser, server.url);

describe('the console (SPEC §9) in chromium', () => {
  it('is served by the ledger without a key, from its own origin only', async () => {
    const page = await server.ledger.http().get('/console').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('/console/app.js');
    expect(page.text).not.toMatch(/https?:\/\//);
    await server.ledger
      .http()
      .get('/console/app.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await server.ledger.http().get('/console/..%2Fpackage.json').expect(404);
    await server.ledger.http().get('/console/api/session').expect(401);
  });

  it('refuses a wrong key with a clear message and keeps nothing', async () => {
    const { context, page } = await openConsole();
    // By keyboard: focus the labelled field, type, Enter submits.
    await page.getByLabel('API key').focus();
    await page.keyboard.type('not-a-key');
    await page.keyboard.press('Enter');
    expect(await textOf(page.getByRole('alert'))).toContain('This API key is not valid (401)');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await shot(page, 'sign-in-refused');
    await context.close();
  });

  it('support: finds the account, reads its windows, pages the timeline, picks an instant and explains a charge', async () => {
    const { context, page } = await openConsole();
    const timelineCalls: URL[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/timeline')) timelineCalls.push(new URL(r.url()));
    });
    await signIn(page, KEYS.support);
    // The views follow the role: support has the accounts and organisations views only.
    const nav = page.getByRole('navigation', { name: 'Views' });
    await nav.getByRole('link', { name: 'Accounts' }).waitFor();
    expect(await nav.getByRole('link').allInnerTexts()).toEqual(['Accounts', 'Organisations']);
    // The key lives in this tab's sessionStorage: a reload keeps the session.
    await page.reload();
    await page.getByLabel('Account id').fill(DEMO_ACCOUNT);
    await page.getByRole('button', { name: 'Find account' }).click();

    expect(await textOf(page.getByTestId('plan'))).toBe('plus');
    // 100 bought + 20 granted − 50 charged for the overage.
    expect(await textOf(page.getByTestId('balance'))).toBe('70');
    const fiveHours = page.getByRole('meter', { name: 'codex 5h window' });
    await fiveHours.waitFor();
    // The new 5-hour window: 12 cloud tasks × 5 units, opened an hour ago by the ledger's clock.
    expect(await fiveHours.getAttribute('aria-valuenow')).toBe('60');
    expect(await fiveHours.getAttribute('aria-valuemax')).toBe('150');
    expect(await textOf(page.getByTestId('window-codex-5h'))).toContain('resets in 4h 0m');
    expect(await textOf(page.getByRole('meter', { name: 'codex weekly window' }))).toBe('');
    expect(await page.getByRole('meter', { name: 'codex weekly window' }).getAttribute('aria-valuenow')).toBe(
      '210',
    );
    const grants = page.getByRole('region', { name: `Account ${DEMO_ACCOUNT}` }).getByRole('row');
    expect(await textOf(grants.filter({ hasText: 'g-welcome' }))).toBe(
      'g-welcome promotional 20 20 0 never all 100 active',
    );
    expect(await textOf(grants.filter({ hasText: 'p-1' }))).toBe(
      'p-1 purchase 100 50 0 2027-11-01 00:00:00 UTC all 100 active',
    );
    await page.getByTestId('balance-chart').waitFor();
    await shot(page, 'support-account');

    // The timeline, 50 events a page, by cursor.
    const pageLabel = page.getByTestId('timeline-page');
    await pageLabel.filter({ hasText: 'Page 1 · positions 1–50' }).waitFor();
    await page
      .getByRole('group', { name: 'Timeline pages' })
      .getByRole('button', { name: 'Next page' })
      .click();
    await pageLabel.filter({ hasText: 'Page 2 · positions 51–100' }).waitFor();
    await page
      .getByRole('group', { name: 'Timeline pages' })
      .getByRole('button', { name: 'Next page' })
      .click();
    await pageLabel.filter({ hasText: 'Page 3 · positions 101–136' }).waitFor();
    expect(
      await page
        .getByRole('group', { name: 'Timeline pages' })
        .getByRole('button', { name: 'Next page' })
        .isDisabled(),
    ).toBe(true);

    // Explain the usage that spilled into credits.
    const row = page.getByRole('row').filter({ hasText: OVERAGE_USAGE });
    await row.getByRole('button', { name: `Explain usage ${OVERAGE_USAGE}` }).click();
    const explain = page.getByTestId('explain');
    const explanation = await textOf(explain);
    expect(explanation).toContain('40 × 1 = 40 units');
    expect(explanation).toContain('Covered by the windows 30 units');
    expect(explanation).toContain('Overage 10 units');
    expect(explanation).toContain('Charged in credits 50');
    expect(explanation).toContain('Rate card version 2026-11-01');
    // Expiring credits first (SPEC §2): the purchase (365 days) before the grant that never expires.
    expect(await textOf(explain.getByRole('row').filter({ hasText: 'p-1' }))).toBe('p-1 50');
    expect(await explain.getByRole('row').filter({ hasText: 'g-welcome' }).count()).toBe(0);
    // Keyboard: focus moves to the explanation.
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('explain-title');
    await shot(page, 'support-timeline-explain');

    // Straight to an instant: the page starts at the first event recorded then (the overage usage).
    await page.getByRole('button', { name: 'Close explanation' }).click();
    await page.getByLabel('Events from (UTC)').fill('2026-11-01T04:00:00');
    await page.getByRole('button', { name: 'Go to time' }).click();
    await pageLabel.filter({ hasText: 'Page 1 from 2026-11-01 04:00:00 UTC · positions 124–136' }).waitFor();
    const firstRow = page.getByRole('region', { name: 'Timeline' }).getByRole('row').nth(1);
    expect(await textOf(firstRow)).toContain(`${OVERAGE_USAGE}: 40 × codex local_message`);

    // As of 1h30 after the start: the first batch of 40 was in, nothing paid in credits yet.
    await page.getByLabel('As of (UTC)').fill('2026-11-01T01:30:00');
    await page.getByRole('button', { name: 'Show as of' }).click();
    const asOf = page.getByTestId('state-as-of');
    expect(await textOf(asOf)).toContain('balance 120 credits');
    expect(await textOf(asOf)).toContain('codex 5h 40/150');

    // Never the whole history: every timeline call is one bounded page.
    expect(timelineCalls.length).toBeGreaterThan(3);
    for (const call of timelineCalls) expect(Number(call.searchParams.get('limit'))).toBeLessThanOrEqual(50);
    await context.close();
  });

  it('support: an account with holds — held amounts, a hold by its id, a settlement and a reversal explained', async () => {
    const { context, page } = await openConsole();
    const holdCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/holds/')) holdCalls.push(new URL(r.url()).pathname);
    });
    await signIn(page, KEYS.support);
    await page.getByLabel('Account id').fill(HOLDS_ACCOUNT);
    await page.getByRole('button', { name: 'Find account' }).click();

    // 100 bought − 25 held by the open hold − 20 paid by the settlement (the reversal gave its 15 back).
    expect(await textOf(page.getByTestId('balance'))).toBe('55');
    expect(await textOf(page.getByTestId('credits-held'))).toBe('25');
    const fiveHours = page.getByRole('meter', { name: 'codex 5h window' });
    // 145 used; the open hold keeps the last 5 units (the settlement and the reversed usage paid in credits).
    expect(await fiveHours.getAttribute('aria-valuenow')).toBe('145');
    expect(await fiveHours.getAttribute('aria-valuetext')).toMatch(
      /^145 of 150 units used, 5 held, resets in /,
    );
    expect(await textOf(page.getByTestId('window-codex-5h'))).toContain(
      '145 of 150 units used · 0 left · 5 held',
    );
    const grants = page.getByRole('region', { name: `Account ${HOLDS_ACCOUNT}` }).getByRole('row');
    expect(await textOf(grants.filter({ hasText: 'p-holds' }))).toMatch(/^p-holds purchase 100 55 25 /);

    const holds = page.getByRole('region', { name: 'Holds' });
    expect(await textOf(holds.getByTestId('holds-credits'))).toBe('25');
    expect(await textOf(holds.getByTestId('holds-units'))).toContain('codex 5h: 5');
    // By keyboard: the labelled hold id field, Enter submits.
    await holds.getByLabel('Hold id').focus();
    await page.keyboard.type(OPEN_HOLD);
    await page.keyboard.press('Enter');
    const found = holds.getByTestId('hold-found');
    await found.filter({ hasText: OPEN_HOLD }).waitFor();
    expect(await textOf(holds.getByTestId('hold-status'))).toBe('held');
    const openText = await textOf(found);
    expect(openText).toContain('Lines 10 × local_message');
    expect(openText).toContain('Held 5 units and 25 credits');
    expect(openText).toContain('Settled as usage not settled');
    expect(openText).toMatch(/Expires 2026-11-\d\d \d\d:\d\d:\d\d UTC/);
    expect(await textOf(found.getByRole('row').filter({ hasText: 'p-holds' }))).toBe('p-holds 25');
    await shot(page, 'support-holds');

    await holds.getByLabel('Hold id').fill(SETTLED_HOLD);
    await holds.getByRole('button', { name: 'Find hold' }).click();
    await found.filter({ hasText: SETTLED_HOLD }).waitFor();
    expect(await textOf(holds.getByTestId('hold-status'))).toBe('settled');
    expect(await textOf(found)).toContain(`Settled as usage ${SETTLE_USAGE}`);
    await holds.getByLabel('Hold id').fill('h-nowhere');
    await holds.getByRole('button', { name: 'Find hold' }).click();
    expect(await textOf(holds.getByRole('alert'))).toContain('No hold "h-nowhere"');
    // One GET /v1/holds/{id} per search, nothing else.
    expect(holdCalls).toEqual([`/v1/holds/${OPEN_HOLD}`, `/v1/holds/${SETTLED_HOLD}`, '/v1/holds/h-nowhere']);

    // The settlement: 2 messages held (10 credits), 4 used: 10 from the hold, 10 charged beyond it.
    const timeline = page.getByRole('region', { name: 'Timeline' });
    expect(await textOf(timeline.getByRole('row').filter({ hasText: `hold ${OPEN_HOLD} placed` }))).toContain(
      '5 units and 25 credits held',
    );
    await timeline.getByRole('button', { name: `Explain usage ${SETTLE_USAGE}` }).click();
    const explain = page.getByTestId('explain');
    const settlement = await textOf(explain);
    expect(settlement).toContain(`Hold settled ${SETTLED_HOLD}`);
    expect(settlement).toContain('= 4 units');
    expect(settlement).toContain('Consumed from the hold 0 units and 10 credits');
    expect(settlement).toContain('Charged beyond the hold 0 units and 10 credits');
    expect(settlement).toContain('Released back 0 units and 0 credits');
    expect(settlement).toContain('Uncollected 0: all was paid');
    expect(settlement).toContain('Held by other open holds after 25');
    expect(await textOf(explain.getByRole('row').filter({ hasText: 'consumed' }))).toBe(
      'p-holds 10 consumed from the hold',
    );
    expect(await textOf(explain.getByRole('row').filter({ hasText: 'beyond' }))).toBe(
      'p-holds 10 charged beyond the hold',
    );
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('explain-title');
    await shot(page, 'support-hold-settlement');

    // The reversal: the 15 credits went back to the grant the usage drew.
    await page.getByRole('button', { name: 'Close explanation' }).click();
    await timeline.getByRole('button', { name: `Explain reversal ${REVERSAL}` }).click();
    const reversal = await textOf(explain);
    expect(reversal).toContain(`Outcome usage ${REVERSED_USAGE} reversed`);
    expect(reversal).toContain('Reason task failed');
    expect(reversal).toContain('Credits given back 15');
    expect(reversal).toContain('Regranted as a new grant none');
    expect(reversal).toContain('None: the usage drew no units from the windows.');
    expect(await textOf(explain.getByRole('row').filter({ hasText: 'p-holds' }))).toBe(
      'p-holds 15 back to the grant it drew',
    );
    await shot(page, 'support-usage-reversed');

    // A settlement beyond its hold that the account could not pay: the rest is uncollected, with why.
    await page.getByLabel('Account id').fill(SHORT_ACCOUNT);
    await page.getByRole('button', { name: 'Find account' }).click();
    await page.getByRole('region', { name: `Account ${SHORT_ACCOUNT}` }).waitFor();
    expect(await textOf(page.getByTestId('balance'))).toBe('0');
    await timeline.getByRole('button', { name: `Explain usage ${SHORT_USAGE}`, exact: true }).click();
    const short = await textOf(explain);
    expect(short).toContain(`Hold settled ${SHORT_HOLD}`);
    expect(short).toContain('Consumed from the hold 5 units and 0 credits');
    expect(short).toContain('Uncollected 25 credits (insufficient_credits)');
    expect(short).toContain('Balance after 0');
    await context.close();
  });

  it('support: explains a refused usage, and names an account that does not exist', async () => {
    const { context, page } = await openConsole();
    await signIn(page, KEYS.support);
    await page.getByLabel('Account id').fill('no-such-acct');
    await page.getByRole('button', { name: 'Find account' }).click();
    expect(await textOf(page.getByRole('alert'))).toContain('No account "no-such-acct"');

    await page.getByLabel('Account id').fill(BROKE_ACCOUNT);
    await page.getByRole('button', { name: 'Find account' }).click();
    expect(await textOf(page.getByTestId('balance'))).toBe('0');
    await page.getByRole('button', { name: `Explain usage ${REFUSED_USAGE}` }).click();
    const explanation = await textOf(page.getByTestId('explain'));
    expect(explanation).toContain('Outcome refused: insufficient_credits');
    // 200 units asked, 150 in the window: 50 over at 5 credits each, refused whole.
    expect(explanation).toContain('Overage 50 units');
    expect(explanation).toContain('Credits it needed 250');
    expect(explanation).not.toContain('Grants drawn');
    await context.close();
  });

  it('tells a service key that the console has no view for it', async () => {
    const { context, page } = await openConsole();
    await signIn(page, KEYS.service);
    const refusal = await textOf(page.getByRole('alert'));
    expect(refusal).toContain('No view for this key');
    expect(refusal).toContain('This key has the role service');
    expect(await page.getByRole('navigation', { name: 'Views' }).getByRole('link').count()).toBe(0);
    await context.close();
  });

  it('refuses the operator view to a support key, and the page says why', async () => {
    const { context, page } = await openConsole();
    await signIn(page, KEYS.support);
    await page.getByRole('navigation', { name: 'Views' }).waitFor();
    await page.goto(`${server.url}/console#/operators`);
    const refusal = await textOf(page.getByRole('alert'));
    expect(refusal).toContain('Operators: not allowed');
    expect(refusal).toContain('it needs the admin role');
    expect(await page.getByRole('button', { name: /Review reset/ }).count()).toBe(0);
    // And behind the page, the API refuses the same key the reset itself.
    await server.ledger
      .as('support')
      .post('/v1/limits/resets', { resetId: 'r-support', scope: 'all', reason: 'not mine to do' })
      .expect(403);
    await shot(page, 'support-operators-refused');
    // Signing out forgets the key: the tab holds nothing any more.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await context.close();
  });

  it('finance: trial balance, verification with progress, and a journal export for a date range', async () => {
    const { context, page } = await openConsole();
    await signIn(page, KEYS.finance);
    await page.getByRole('link', { name: 'Finance' }).click();
    expect(await textOf(page.getByTestId('trial-balance-total'))).toBe('0');
    expect(await textOf(page.getByTestId('trial-balance'))).toContain(`customer:${DEMO_ACCOUNT}:credits 70`);

    // The verification is held at the browser until the page has shown it running: on a log this
    // small it would end before the first progress poll. The progress polls go to the real server.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/v1/finance/verify', async (route) => {
      await held;
      await route.continue();
    });
    const verified = page.waitForResponse((r) => r.url().endsWith('/v1/finance/verify'));
    await page.getByRole('button', { name: 'Run verification' }).click();
    const running = page.getByTestId('verify-running');
    await page.waitForResponse((r) => r.url().endsWith('/v1/finance/verify/progress') && r.status() === 200);
    // Not started on the server yet: no fraction is known, so the bar is indeterminate and says so.
    expect(await running.locator('progress').getAttribute('value')).toBeNull();
    expect(await textOf(running)).toContain('This phase reports no fraction done');
    expect(await page.getByRole('button', { name: 'Run verification' }).isDisabled()).toBe(true);
    await shot(page, 'finance-verifying');
    release();
    expect((await verified).status()).toBe(200);
    const result = await textOf(page.getByTestId('verify-result'));
    expect(result).toMatch(/^Verification passed: \d+ events replayed/);
    expect(result).toContain('0 mismatch(es)');
    // Back on the page later, the server's last result is shown.
    await page.reload();
    expect(await textOf(page.getByTestId('verify-last'))).toMatch(
      /^Last verification: passed, finished \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC at position \d+\.$/,
    );

    await page.getByLabel('From (UTC, inclusive)').fill('2026-11-01T00:00');
    await page.getByLabel('To (UTC, exclusive)').fill('2026-11-01T03:30');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download export' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('journal-from-2026-11-01-to-2026-11-01.csv');
    const csv = fs.readFileSync(await file.path(), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/ledgerAccount|ledger_account/i);
    expect(csv).toContain('g-welcome');
    // The range ends before the overage usage (recorded at 04:00): it is not in the file.
    expect(csv).not.toContain(OVERAGE_USAGE);
    await page.getByRole('status').filter({ hasText: 'Downloaded journal' }).waitFor();
    await shot(page, 'finance');
    await context.close();
  });

  it('admin: resets one account after a reason and a confirmation', async () => {
    const { context, page } = await openConsole();
    await signIn(page, KEYS.admin);
    await page.getByRole('link', { name: 'Operators' }).click();
    await page.getByLabel('Account id').fill(DEMO_ACCOUNT);
    await page.getByLabel('Reason').fill('incident 42: usage double-counted');
    await page.getByRole('button', { name: 'Review reset…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Confirm the reset' });
    expect(await textOf(confirm)).toContain(`all product limits of account ${DEMO_ACCOUNT}`);
    await shot(page, 'operators-confirm');
    // Nothing is sent before the confirmation.
    const before = await server.ledger.as('support').get(`/v1/accounts/${DEMO_ACCOUNT}`).expect(200);
    expect(before.body.windows.find((w: { window: string }) => w.window === '5h').used).toBe(60);
    // The confirmation takes the focus; Enter confirms (keyboard only).
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe(
      'Confirm reset',
    );
    await page.keyboard.press('Enter');
    const done = await textOf(page.getByTestId('reset-done'));
    expect(done).toMatch(/^Reset console-reset-[0-9a-f]{24} recorded/);
    const position = /log position (\d+)/.exec(done)?.[1];
    const after = await server.ledger
      .as('support')
      .get(`/v1/accounts/${DEMO_ACCOUNT}${position ? `?minPosition=${position}` : ''}`)
      .expect(200);
    expect(after.body.windows.find((w: { window: string }) => w.window === '5h').used).toBe(0);
    await shot(page, 'operators-done');
    await context.close();
  });
});
