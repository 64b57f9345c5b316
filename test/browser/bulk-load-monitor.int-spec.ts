import { Browser, Page } from 'playwright-core';
import { StaffRepository } from '@sanxian/persistence';
import { Hub, TestClient, send, startHub } from '../support/hub-harness';
import { registryCard } from '../support/record-factory';
import { assertBrowserTestsCanRun, closeBrowserSuite, expectText, launchChromium, newContext, signIn } from './browser-harness';

/**
 * The exchange monitor in Chromium says which bulk loads are open (the registry's initial load
 * here), and that automatic reconciliation waits for them; once the load is declared complete,
 * the notice is gone. Needs the built console (`npm run build`).
 */
describe('open bulk loads on the exchange monitor', () => {
  let hub: Hub;
  let browser: Browser;
  let page: Page;
  let registry: TestClient;

  beforeAll(async () => {
    assertBrowserTestsCanRun();
    hub = await startHub({ worker: false, env: { BULK_LOAD_QUIET_MS: String(2 * 3600_000) } });
    registry = await hub.createClient('family-planning', '西充县计生台账系统');
    const cards = [1, 2, 3].map((i) => registryCard(i, 7, { eventDate: '2025-03-01' }));
    expect((await send(hub.url, registry, 'POST', '/v1/exchange/registry-cards?load=initial', { records: cards })).status).toBe(202);
    await hub.api.get(StaffRepository).create('bulk-monitor', 'bulk-monitor-password', 'county', null);
    browser = await launchChromium();
    page = await (await newContext(browser)).newPage();
  });
  afterAll(() => closeBrowserSuite(browser, hub, undefined));

  it('lists the registry\'s open initial load, in Chinese, and says that reconciliation waits', async () => {
    await signIn(page, hub.url, 'bulk-monitor', 'bulk-monitor-password', '/monitor');
    const notice = page.getByTestId('bulk-loads');
    await expectText(notice, '首次装载或历史导入尚未结束，自动对账暂缓');
    await expectText(notice, '静默 120 分钟后进行');
    await expectText(notice, '西充县计生台账系统（计生）：3 条');
  });

  it('shows no notice once the load is declared complete', async () => {
    const res = await send(hub.url, registry, 'POST', '/v1/exchange/loads/complete', {});
    expect(res.status).toBe(200);
    await page.reload();
    await page.getByTestId('monitor-agencies').locator('.ant-table-row').first().waitFor();
    expect(await page.getByTestId('bulk-loads').count()).toBe(0);
  });
});
