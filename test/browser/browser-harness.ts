import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, Locator, Page, chromium } from 'playwright-core';
import { consoleRoot } from '../../apps/api/src/api.factory';
import { chromiumExecutable } from '../support/chromium';
import type { Hub } from '../support/hub-harness';

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
  await takeScreenshot(page, name, true);
}

/**
 * The pictures are for people to look at, not assertions: a capture that stalls on a loaded machine
 * (Chromium's full-page capture resizes the page and waits for a frame, which a busy CI machine once
 * held past 30 s) is tried once more on the visible part only, and then reported, never failing the
 * test whose assertions passed.
 */
async function takeScreenshot(page: Page, name: string, fullPage: boolean): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await fontsLoaded(page);
  const path = join(SCREENSHOTS, `${name}.png`);
  const options = { path, animations: 'disabled', caret: 'hide', timeout: 20_000 } as const;
  try {
    await page.screenshot({ ...options, fullPage });
  } catch (error) {
    if (!(error instanceof Error && error.name === 'TimeoutError')) throw error;
    try {
      await page.screenshot({ ...options, fullPage: false });
      console.warn(`screenshot ${name}: the full-page capture timed out; kept the visible part`);
    } catch (again) {
      if (!(again instanceof Error && again.name === 'TimeoutError')) throw again;
      console.warn(`screenshot ${name}: timed out twice on a busy machine; no picture taken`);
    }
  }
}

/**
 * Waits until the slices of the bundled font that the page's characters need have arrived: they are
 * fetched by unicode-range as characters appear, and a picture taken before shows a blank glyph.
 */
async function fontsLoaded(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const fonts = (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts;
    await fonts.ready;
  });
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

/** The two screens the console is checked at: a phone (390×844, an iPhone 12–15) and a laptop. */
/** Ends a browser suite: its Chromium, its hub and its download folder, whichever were started. */
export async function closeBrowserSuite(browser: Browser | undefined, hub: Hub | undefined, dir: string | undefined): Promise<void> {
  await browser?.close();
  await hub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Makes the page's next request to the URL answer with the api's problem document of this status, without reaching the api. */
export async function problemOnce(page: Page, url: string, status: number, title: string, detail: string): Promise<void> {
  await page.route(url, (route) =>
    route.fulfill({ status, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title, status, detail }) }), { times: 1 });
}

/** Waits until a locator's text matches (a string: contains it). */
export async function expectText(locator: Locator, expected: string | RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await locator.innerText().catch(() => '');
    if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${String(expected)}, the page shows "${text}"`);
}

export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1440, height: 900 } as const;
/** The screens every console page is checked on, named for the test titles. */
export const SCREENS: [string, typeof PHONE | typeof DESKTOP][] = [['a phone', PHONE], ['a laptop', DESKTOP]];

/** A context as `newContext`, at a given screen size; a phone one with touch and a phone's user agent. */
export function contextAt(browser: Browser, viewport: { width: number; height: number }, locale = 'zh-CN'): Promise<BrowserContext> {
  const phone = viewport.width < 600;
  return browser.newContext({
    locale, timezoneId: 'Asia/Shanghai', viewport, isMobile: phone, hasTouch: phone,
    ...(phone ? { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148' } : {}),
  });
}

/** A screenshot of what is on screen without scrolling (the fold shows), beside the full-page ones. */
export async function screenshotViewport(page: Page, name: string): Promise<void> {
  await takeScreenshot(page, name, false);
}

/**
 * What a page's layout must hold on any screen: nothing wider than the window (no sideways scrolling
 * of the page; a wide table may scroll inside its own box), and the header's box above the page
 * title's, not over it. Returns the measurements, for the failure message.
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  // The screen's width as set, not innerWidth: a phone's browser widens its layout viewport to fit content that overflows.
  const screenWidth = page.viewportSize()!.width;
  return page.evaluate((screenWidth) => {
    const doc = globalThis as unknown as {
      document: { scrollingElement: { scrollWidth: number }; querySelector(s: string): { getBoundingClientRect(): { top: number; bottom: number; left: number; right: number } } | null };
      innerWidth: number;
    };
    const problems: string[] = [];
    const width = doc.document.scrollingElement.scrollWidth;
    if (width > screenWidth || doc.innerWidth > screenWidth) problems.push(`the page is ${width} px wide (window ${doc.innerWidth} px) on a ${screenWidth} px screen`);
    const header = doc.document.querySelector('[data-testid="app-header"]')?.getBoundingClientRect();
    const title = doc.document.querySelector('main h2')?.getBoundingClientRect();
    if (!header) problems.push('no header');
    if (!title) problems.push('no page title (main h2)');
    if (header && title && title.top < header.bottom) problems.push(`the title (top ${title.top}) is under the header (bottom ${header.bottom})`);
    return problems;
  }, screenWidth);
}

/** Nothing wider than the screen (the sign-in page, which has no header). */
export async function pageWiderThanScreen(page: Page): Promise<number | null> {
  const screenWidth = page.viewportSize()!.width;
  const width = await page.evaluate(() => Math.max((globalThis as any).document.scrollingElement.scrollWidth, (globalThis as any).innerWidth) as number);
  return width > screenWidth ? width : null;
}

/** Where a locator's top edge is and whether it shows without scrolling. */
export async function aboveTheFold(page: Page, locator: Locator): Promise<{ top: number; bottom: number; fold: number; visible: boolean }> {
  const box = await locator.boundingBox();
  const fold = page.viewportSize()!.height;
  if (!box) return { top: NaN, bottom: NaN, fold, visible: false };
  return { top: Math.round(box.y), bottom: Math.round(box.y + box.height), fold, visible: box.y + box.height <= fold };
}

/**
 * Words a person could read as English on the page: every run of two or more Latin letters in the
 * text shown (text nodes of visible elements, charts' SVG text, placeholders), except
 * - inside an element marked `translate="no"`: data that is not the console's language (user names,
 *   record and card ids, citizen ids, unit codes), which the console marks so;
 * - in a token with a digit (a code: `511325-2026`, `RC-BT-L1`, `v2`);
 * - the allowed words, each a name that is the same in a Chinese text (`allowed`).
 */
export async function englishWords(page: Page, allowed: readonly string[]): Promise<string[]> {
  const words = await page.evaluate(() => {
    type El = { closest(s: string): El | null; checkVisibility?(o?: unknown): boolean; getAttribute(n: string): string | null; tagName: string };
    const d = (globalThis as unknown as { document: any; NodeFilter: { SHOW_TEXT: number } });
    const texts: string[] = [];
    const walker = d.document.createTreeWalker(d.document.body, d.NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement as El | null;
      if (!parent || parent.closest('[translate="no"], script, style, noscript, .sx-visually-hidden')) continue;
      if (parent.checkVisibility && !parent.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      texts.push(node.textContent ?? '');
    }
    for (const input of d.document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
      if (!(input as El).closest('[translate="no"]')) texts.push((input as El).getAttribute('placeholder') ?? '');
    }
    return texts;
  });
  const found = new Set<string>();
  for (const text of words) {
    for (const token of text.split(/[\s，。、：；（）()“”"'·…,;:!?/|]+/)) {
      if (/\d/.test(token)) continue;
      for (const run of token.match(/[A-Za-z]{2,}/g) ?? []) if (!allowed.includes(run)) found.add(run);
    }
  }
  return [...found].sort();
}

/**
 * Latin words allowed in the Chinese console, each because a Chinese text writes it so too:
 * `English` (the language switch names each language in its own words), `Excel` and `CSV` (the
 * file formats offered for download, as Chinese users name them).
 */
export const ALLOWED_LATIN = ['English', 'Excel', 'CSV'] as const;
