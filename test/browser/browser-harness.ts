import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Locator, Page, chromium } from 'playwright-core';
import { consoleRoot } from '../../apps/api/src/api.factory';
import { chromiumExecutable } from '../support/chromium';

/** Screenshots of the main pages, to look at (ignored by git). */
export const SCREENSHOTS = join(__dirname, 'screenshots');

/** Fails early, saying what to do, when the built console is missing. */
export function assertBrowserTestsCanRun(): void {
  if (!consoleRoot()) throw new Error('the console is not built (dist/console/index.html): run npm run build first');
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: await chromiumExecutable(),
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

/**
 * Starts a test on a page that earlier tests in its describe used too, so that a failure of theirs
 * (a dialog left open, a route left to fail a request, the session ended) cannot become its own:
 * drops their routes, signs in again if the session is gone, and loads `path` afresh.
 */
export async function startAt(page: Page, baseUrl: string, path: string, username: string, password: string): Promise<void> {
  await page.unrouteAll({ behavior: 'ignoreErrors' });
  // (The console keeps the session in the tab's session storage; a page not yet on the console's origin has none.)
  const signedIn = await page
    .evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('sanxian.session') !== null)
    .catch(() => false);
  if (signedIn) await page.goto(baseUrl + path);
  else await signIn(page, baseUrl, username, password, path);
}

/** Ant Design's motion classes (rc-motion: `ant-zoom-appear`, `ant-zoom-appear-prepare`, `ant-slide-up-leave-active`…). */
const MOTION_CLASS = /-(appear|enter|leave)(-(prepare|start|active))?$/;

/**
 * Waits until an element, and every element around it, has finished appearing: until no motion class
 * is left on it or its ancestors. While a modal or a drop-down opens, Ant Design first lays it out in
 * place, transparent (`-prepare`), then shrinks it to nothing (`-start`) and zooms it in (`-active`):
 * an element in it can look visible and still for a couple of frames, and then move from under the
 * pointer between the press and the release, so that the click lands on nothing. (Playwright checks
 * the target of the press only: `check()` then fails with "Clicking the checkbox did not change its
 * state", a `click()` does nothing.)
 */
export async function settled(locator: Locator, timeoutMs = 15_000): Promise<Locator> {
  const deadline = Date.now() + timeoutMs;
  let moving = '';
  for (;;) {
    moving = await locator.evaluate(
      (element, source) => {
        type Node = { classList: Iterable<string>; parentElement: Node | null };
        const motion = new RegExp(source);
        const found: string[] = [];
        for (let e: Node | null = element as unknown as Node; e; e = e.parentElement) found.push(...Array.from(e.classList).filter((c) => motion.test(c)));
        return found.join(' ');
      },
      MOTION_CLASS.source,
      { timeout: Math.max(1, deadline - Date.now()) },
    );
    if (!moving) return locator;
    if (Date.now() > deadline) throw new Error(`${String(locator)} is still moving (${moving}) after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The open dialog (an Ant Design modal), once it has finished opening. */
export function openedDialog(page: Page): Promise<Locator> {
  return settled(page.getByRole('dialog'));
}

/** The ids of the table rows in the DOM (a virtual table draws only those in view). */
export async function renderedRowKeys(page: Page): Promise<string[]> {
  const keys = await page.locator('[data-testid="discrepancy-table"] .ant-table-row[data-row-key]').evaluateAll((rows) =>
    rows.map((row) => (row as unknown as { getAttribute(name: string): string | null }).getAttribute('data-row-key') ?? ''),
  );
  return keys.filter(Boolean);
}
