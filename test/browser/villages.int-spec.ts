import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import type { AssessmentPlan } from '@sanxian/domain';
import { StaffRepository } from '@sanxian/persistence';
import { Hub, createAgencyClients, send, startHub, waitUntilProcessed } from '../support/hub-harness';
import { birthNotice } from '../support/record-factory';
import { expectJson } from '../support/staff-api';
import { assertBrowserTestsCanRun, closeBrowserSuite, expectText, launchChromium, newContext, screenshot, settled, signIn } from './browser-harness';

/**
 * A township's villages in Debian's Chromium, against the real api and worker: births notified in
 * four villages of 鸣龙镇 (whose targets the shipped plan hands down to its seven villages), the
 * plan published and computed, a village's responsibility letter recorded. The township's user
 * opens their villages' scoreboard, then a village's page with its letter.
 */
const PASSWORD = 'browser-villages-password';
const PLAN = JSON.parse(readFileSync(join(__dirname, '../../libs/domain/data/plans/511325-2026.json'), 'utf8')) as AssessmentPlan;
const YEAR = PLAN.year;
const MINGLONG = '511325110';
/** Births per village: 猫儿山 on its control number (9), 尖山子 under (8), 丝公山 well over (7), 110204 on it (8). */
const BIRTHS: [string, number][] = [['511325110001', 9], ['511325110002', 5], ['511325110203', 12], ['511325110204', 8]];

describe("a township's villages in a browser", () => {
  let hub: Hub;
  let browser: Browser;
  let dir: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    assertBrowserTestsCanRun();
    dir = mkdtempSync(join(tmpdir(), 'sanxian-browser-villages-'));
    hub = await startHub({ worker: true });
    const clients = await createAgencyClients(hub);
    let serial = 0;
    const notices = BIRTHS.flatMap(([village, count]) => Array.from({ length: count }, () => {
      serial += 1;
      const notice = birthNotice(serial, 15, { regionCode: village, eventDate: `${YEAR}-0${3 + (serial % 6)}-1${serial % 10}` });
      const date = notice.eventDate as string;
      return { ...notice, child: { ...(notice.child as object), birthDate: date }, mother: { ...(notice.mother as object), hukouRegionCode: village } };
    }));
    await expectJson(await send(hub.url, clients.health, 'POST', '/v1/exchange/birth-notices', { records: notices }), 202);
    await waitUntilProcessed(hub, notices.length);

    const staff = hub.api.get(StaffRepository);
    await staff.create('county-villages', PASSWORD, 'county', null);
    await staff.create('minglong', PASSWORD, 'township', MINGLONG);
    const token = (await expectJson(await fetch(`${hub.url}/v1/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'county-villages', password: PASSWORD }),
    }), 200)).accessToken;
    const call = (method: string, path: string, body: unknown) =>
      fetch(hub.url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await expectJson(await call('POST', '/v1/plans', PLAN), 201);
    await expectJson(await call('POST', '/v1/indicators/compute', { year: YEAR, asOf: `${YEAR}-11-30` }), 200);
    await expectJson(await call('POST', `/v1/assessments/${YEAR}/letters`, { unitId: '511325110001', responsible: { name: '王建国', post: '村党支部书记' }, signedOn: `${YEAR}-02-10` }), 201);

    browser = await launchChromium();
    context = await newContext(browser);
    page = await context.newPage();
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await closeBrowserSuite(browser, hub, dir);
  });

  it('shows the township user their villages ranked, on both lines', async () => {
    await signIn(page, hub.url, 'minglong', PASSWORD, `/scoreboard?year=${YEAR}`);
    // The county's lines first, without the village groups; the button opens the user's own villages.
    await settled(page.getByTestId('scoreboard-line-party-government'));
    await expectText(page.getByTestId('own-villages'), '鸣龙镇各村（社区）排名');
    await page.getByTestId('own-villages').click();
    await expectText(page.getByTestId('villages-title'), '鸣龙镇各村（社区）排名');
    const committees = page.getByTestId('scoreboard-line-party-government');
    await expectText(committees, '鸣龙镇各村（社区）');
    const rows = committees.locator('tbody tr.ant-table-row');
    await expectText(rows.first(), /第?1/);
    expect(await rows.count()).toBe(7);
    // Ranked by score: the village over its control number is not first, and every row is one of 鸣龙镇's.
    const names = await rows.locator('td:nth-child(2)').allInnerTexts();
    expect(names.every((n) => n.endsWith('两委'))).toBe(true);
    expect(names[0]).not.toBe('丝公山村两委');
    expect(await page.getByTestId('scoreboard-line-business').locator('tbody tr.ant-table-row').count()).toBe(7);
    expect(new URL(page.url()).searchParams.get('villages')).toBe(MINGLONG);
    await screenshot(page, 'villages-scoreboard-township');
  });

  it("opens a village's page, with its responsibility letter to download", async () => {
    await page.getByTestId('scoreboard-line-party-government').getByRole('link', { name: '猫儿山社区两委' }).first().click();
    await page.waitForURL((url) => url.pathname === '/scoreboard/units/511325110001');
    await expectText(page.getByTestId('unit-letter'), '村党支部书记 王建国 于 2026-02-10 签订（考核方案第 1 版）');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载责任书（Word）' }).click()]);
    expect(download.suggestedFilename()).toBe(`responsibility-letter-${YEAR}-511325110001.docx`);
    await screenshot(page, 'village-unit-letter');
  });
});
