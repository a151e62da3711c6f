import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

/**
 * What the browser specs share: Debian's chromium driven by playwright-core (never a downloaded
 * browser), a fresh tab per test, and the screenshots that land in docs/console/ (the README shows them).
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = path.join(__dirname, '..', '..', 'docs', 'console');
export const WAIT_MS = 20_000;

export async function launchChromium(): Promise<Browser> {
  fs.mkdirSync(SHOTS, { recursive: true });
  return chromium
    .launch({ executablePath: CHROMIUM, args: ['--disable-dev-shm-usage', '--disable-gpu'] })
    .catch((error: Error) => {
      throw new Error(
        `chromium did not start from ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH): ${error.message}`,
      );
    });
}

/** A fresh tab (its own sessionStorage) on a laptop-sized screen. */
export async function openConsole(
  browser: Browser,
  url: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 800 }, acceptDownloads: true });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  await page.goto(`${url}/console`);
  return { context, page };
}

export async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function textOf(locator: Locator): Promise<string> {
  await locator.waitFor();
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** Every form control has a label a screen reader reads, and every button a name. */
export async function expectLabelled(page: Page): Promise<void> {
  const unlabelled = await page.evaluate(`Array.from(document.querySelectorAll('input, select, textarea'))
    .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
    .map((el) => el.outerHTML)
    .concat(Array.from(document.querySelectorAll('button')).filter((b) => b.innerText.trim() === '').map((b) => b.outerHTML))`);
  expect(unlabelled).toEqual([]);
}

/** A full-page screenshot, or of one part of the page (a long table would make a poster). */
export async function shot(page: Page, name: string, part?: Locator): Promise<void> {
  await expectLabelled(page);
  const file = path.join(SHOTS, `${name}.png`);
  if (part === undefined) await page.screenshot({ path: file, fullPage: true });
  else await part.screenshot({ path: file });
}
