import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Page, chromium } from 'playwright-core';
import { consoleRoot } from '../../apps/api/src/api.factory';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when it is absent). */
export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the main pages, to look at (ignored by git). */
export const SCREENSHOTS = join(__dirname, 'screenshots');

/** Fails early, saying what to do, when Chromium or the built console is missing. */
export function assertBrowserTestsCanRun(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)`);
  if (!consoleRoot()) throw new Error('the console is not built (dist/console/index.html): run npm run build first');
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // This machine's network is closed: without these, Chromium keeps trying to reach Google's hosts.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** A fresh context as a county office's desktop would have it: Chinese, China time, a laptop screen. */
export function newContext(browser: Browser, locale = 'zh-CN'): Promise<BrowserContext> {
  return browser.newContext({ locale, timezoneId: 'Asia/Shanghai', viewport: { width: 1440, height: 900 } });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Signs in through the form, as a user would, and waits for the page the console opens next. */
export async function signIn(page: Page, baseUrl: string, username: string, password: string, path = '/'): Promise<void> {
  await page.goto(baseUrl + path);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登 录' }).or(page.getByRole('button', { name: '登录' })).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

/** The ids of the table rows in the DOM (a virtual table draws only those in view). */
export async function renderedRowKeys(page: Page): Promise<string[]> {
  const keys = await page.locator('[data-testid="discrepancy-table"] .ant-table-row[data-row-key]').evaluateAll((rows) =>
    rows.map((row) => (row as unknown as { getAttribute(name: string): string | null }).getAttribute('data-row-key') ?? ''),
  );
  return keys.filter(Boolean);
}
