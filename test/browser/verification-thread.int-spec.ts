import { Browser, Page } from 'playwright-core';
import { StaffRepository } from '@sanxian/persistence';
import { Hub, send, startHub, waitUntilProcessed } from '../support/hub-harness';
import { expectJson } from '../support/staff-api';
import { VERIFICATION_TOWNSHIP, divorceMarriageRecord, verificationCounty, type VerificationCounty } from '../support/verification-county';
import { assertBrowserTestsCanRun, closeBrowserSuite, expectText, launchChromium, newContext, screenshot, settled, signIn } from './browser-harness';

const PASSWORD = 'browser-verification-password';

/**
 * A verification thread (协查) in Debian's Chromium, against the real api and worker: a township
 * user opens a discrepancy, sends a request to the agency behind its record from the page, and
 * after civil affairs answers through the exchange with a corrected record, sees the answer and
 * the record in the thread; the overdue list answers too.
 */
describe('a verification thread in a browser', () => {
  let hub: Hub;
  let browser: Browser;
  let page: Page;
  let county: VerificationCounty;

  beforeAll(async () => {
    assertBrowserTestsCanRun();
    hub = await startHub({ worker: true });
    county = await verificationCounty(hub);
    await hub.api.get(StaffRepository).create('xiecha-town', PASSWORD, 'township', VERIFICATION_TOWNSHIP);
    browser = await launchChromium();
    page = await (await newContext(browser)).newPage();
  });
  afterAll(() => closeBrowserSuite(browser, hub, undefined));

  it('a township user sends a request from a discrepancy and reads the agency\'s answer in its thread', async () => {
    await signIn(page, hub.url, 'xiecha-town', PASSWORD, `/discrepancies/${county.discrepancy.marital}`);
    const thread = await settled(page.getByTestId('verification-thread'));
    await expectText(thread, '尚未就此差异发出协查');
    await thread.getByLabel('协查事项').fill('请核实该婚姻登记的类别（结婚或离婚）');
    await thread.getByRole('button', { name: '发出协查' }).click();
    await expectText(thread, '待回复');
    await expectText(thread, 'MR-A');

    const [request] = await hub.sql(`SELECT id, due_at::text FROM verification_request`);
    const answer = { answer: 'corrected', record: divorceMarriageRecord('MR-A-2', 'divorce', '2025-06-02'), comment: '原登记类别录入错误，实为离婚登记' };
    await expectJson(await send(hub.url, county.clients.civil, 'POST', `/v1/exchange/verification-requests/${request.id}/answer`, answer), 200);
    await waitUntilProcessed(hub, county.sent + 1);
    await county.reconcile();

    await page.reload();
    const answered = await settled(page.getByTestId('verification-request'));
    await expectText(answered, '已回复');
    await expectText(answered, '更正记录');
    await expectText(answered, 'MR-A-2');
    await expectText(answered, '"registrationType": "divorce"');
    await expectText(page.locator('h2'), '数据一致后自动关闭');
    await expectText(page.locator('.ant-timeline'), '部门回复协查 · 民政');
    await screenshot(page, 'verification-thread');
  });

  it('lists overdue requests, none here', async () => {
    await page.getByRole('menuitem', { name: '逾期协查' }).or(page.getByRole('link', { name: '逾期协查' })).first().click();
    await expectText(page.locator('main'), '没有逾期协查');
    await screenshot(page, 'verification-overdue');
  });
});
