import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Workbook } from 'exceljs';
import { Browser, Page } from 'playwright-core';
import { LedgerService } from '@sanxian/assessment';
import { StaffRepository } from '@sanxian/persistence';
import { VETOED_TOWNSHIP } from '@sanxian/domain/testing';
import { prepareClosingYear } from '../support/closing-year';
import { Hub, startHub } from '../support/hub-harness';
import {
  ALLOWED_LATIN, SCREENS, assertBrowserTestsCanRun, closeBrowserSuite, contextAt, englishWords, expectText, launchChromium, layoutProblems, screenshot, screenshotViewport, signIn,
} from './browser-harness';

/**
 * The year's ledger (奖惩台账) in Chromium: a year closed with awards, a veto and a yellow card,
 * a county user's decisions about two officials (one corrected), read by a county user on a phone
 * and a laptop; the payout workbook downloaded from the page. A township user has no such page.
 */
const PASSWORD = 'browser-ledger-password';
const YEAR = 2026;

describe('the year\'s ledger in a browser', () => {
  let hub: Hub;
  let browser: Browser;
  let dir: string;
  let prizeTotal: number;

  beforeAll(async () => {
    assertBrowserTestsCanRun();
    dir = mkdtempSync(join(tmpdir(), 'sanxian-browser-ledger-'));
    hub = await startHub({ worker: false });
    const staff = hub.api.get(StaffRepository);
    const county = await staff.create('county-lg', PASSWORD, 'county', null);
    await staff.create('town-lg', PASSWORD, 'township', '511325101');
    await prepareClosingYear(hub, county.id);
    const ledger = hub.api.get(LedgerService);
    prizeTotal = (await ledger.publish(YEAR, county.id)).prizeTotal;
    const admonition = { kind: 'admonition', personName: '王建华', post: '古楼镇党委书记', unitId: VETOED_TOWNSHIP, meetingDate: '2027-01-20', meetingReference: '西计生〔2027〕3号' } as const;
    const first = await ledger.recordDecision(YEAR, admonition, county.id);
    await ledger.recordDecision(YEAR, { ...admonition, post: '古楼镇党委副书记', corrects: first.id, note: '职务录错' }, county.id);
    await ledger.recordDecision(YEAR, { kind: 'account-at-meeting', personName: '李国强', post: '县卫生局局长', unitId: 'health', meetingDate: '2027-02-10', meetingReference: '全县计生工作大会' }, county.id);
    browser = await launchChromium();
  });
  afterAll(() => closeBrowserSuite(browser, hub, dir));

  /** A fresh context at this screen size, signed in as the county user on the year's ledger; closed afterwards. */
  async function onLedger(viewport: { width: number; height: number }, work: (page: Page) => Promise<void>, path = `/ledger?year=${YEAR}`): Promise<void> {
    const context = await contextAt(browser, viewport);
    try {
      const page = await context.newPage();
      await signIn(page, hub.url, 'county-lg', PASSWORD, path);
      await work(page);
    } finally {
      await context.close();
    }
  }

  it.each(SCREENS)('shows a county user the year\'s outcomes, the prize money and the decisions, in Chinese, on %s', async (size, viewport) => {
    await onLedger(viewport, async (page) => {
      await page.getByRole('heading', { name: '考核奖惩台账' }).waitFor();
      await expectText(page.getByTestId('ledger-totals'), `奖金合计 ${prizeTotal.toLocaleString('zh-CN')} 元`);
      const party = page.getByTestId('ledger-line-party-government');
      await expectText(party, '一票否决：政策外生育超过2例且超过出生数的20‰');
      expect(await party.locator('[data-outcome="veto"]').count()).toBe(1);
      expect(await party.locator('[data-outcome="award"]').count()).toBeGreaterThan(0);
      const decisions = page.getByTestId('ledger-decisions');
      await expectText(decisions, '诫勉谈话');
      await expectText(decisions, '大会检讨');
      await expectText(decisions, '已更正（见第 2 条）');
      await expectText(decisions, '更正第 1 条');
      expect(await layoutProblems(page)).toEqual([]);
      expect(await englishWords(page, ALLOWED_LATIN)).toEqual([]);
      await screenshot(page, `ledger-${size.replace(' ', '-')}`);
      await screenshotViewport(page, `ledger-${size.replace(' ', '-')}-top`);
    });
  });

  it('downloads the payout sheet and the yellow-card list from the page', async () => {
    await onLedger(SCREENS[1][1], async (page) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载奖金兑现表和黄牌警告名单' }).click()]);
      const file = join(dir, download.suggestedFilename());
      await download.saveAs(file);
      const workbook = new Workbook();
      await workbook.xlsx.readFile(file);
      const sheet = workbook.getWorksheet('奖金兑现 payout')!;
      expect(sheet.getRow(sheet.rowCount).getCell(8).value).toBe(prizeTotal);
    });
  });

  it('lets a county user record a decision about an official and correct it, in the form', async () => {
    await onLedger(SCREENS[1][1], async (page) => {
      await page.getByRole('button', { name: '记录处理' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('姓名').fill('赵明');
      await dialog.getByLabel('职务').fill('大全镇计生办主任');
      await dialog.getByLabel('所在单位').fill('大全镇');
      await page.keyboard.press('Enter');
      await dialog.getByLabel('会议日期').fill('1月20日');
      await dialog.getByLabel('会议文号').fill('西计生〔2027〕5号');
      await dialog.getByRole('button', { name: '记入台账' }).click();
      await expectText(dialog, '请按 年-月-日 填写会议日期');
      await dialog.getByLabel('会议日期').fill('2027-01-20');
      await screenshotViewport(page, 'ledger-decision-form');
      await dialog.getByRole('button', { name: '记入台账' }).click();
      await dialog.waitFor({ state: 'detached' });
      const decisions = page.getByTestId('ledger-decisions');
      await expectText(decisions, '赵明');
      const [recorded] = await hub.sql(`SELECT id, unit_id, meeting_reference FROM person_decision WHERE person_name = '赵明'`);
      expect(recorded).toMatchObject({ unit_id: '511325102', meeting_reference: '西计生〔2027〕5号' });

      await page.getByRole('button', { name: `更正 ${recorded.id}` }).click();
      await page.getByRole('dialog').getByLabel('职务').fill('大全镇计生办副主任');
      await page.getByRole('dialog').getByLabel('说明').fill('职务录错');
      await page.getByRole('dialog').getByRole('button', { name: '记入台账' }).click();
      await expectText(decisions, `已更正（见第 ${Number(recorded.id) + 1} 条）`);
      const rows = await hub.sql(`SELECT post, corrects::text AS corrects FROM person_decision WHERE person_name = '赵明' ORDER BY id`);
      expect(rows).toEqual([{ post: '大全镇计生办主任', corrects: null }, { post: '大全镇计生办副主任', corrects: String(recorded.id) }]);
    });
  });

  it('says when a year is not published, and has no ledger for a township user', async () => {
    await onLedger(SCREENS[1][1], async (page) => {
      await page.getByTestId('ledger-empty').waitFor();
      await expectText(page.getByTestId('ledger-empty'), '本年度考核结果尚未公布');
      await page.getByRole('button', { name: '退出登录' }).click();
      await signIn(page, hub.url, 'town-lg', PASSWORD);
      expect(await page.getByRole('navigation').getByRole('link', { name: '奖惩台账' }).count()).toBe(0);
      await page.goto(`${hub.url}/ledger?year=${YEAR}`);
      await page.getByText('您的角色无权进行此操作。').waitFor();
    }, `/ledger?year=${YEAR - 1}`);
  });
});
