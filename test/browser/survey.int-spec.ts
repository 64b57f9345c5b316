import { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { ClientRepository } from '@sanxian/persistence';
import xichong from '../../libs/domain/data/regions/511325.json';
import { Hub, startHub, waitFor } from '../support/hub-harness';
import type { PersistenceContext } from '../support/persistence-context';
import { processRecords } from '../support/process-records';
import { citizenId, registryCard } from '../support/record-factory';
import { expectJson, signInStaff, staffCaller } from '../support/staff-api';
import {
  ALLOWED_LATIN, PHONE, assertBrowserTestsCanRun, englishWords, closeBrowserSuite, contextAt, expectText, launchChromium, layoutProblems, openedDialog, screenshot, screenshotViewport, settled, signIn,
} from './browser-harness';

/**
 * The household survey (入户调查) in Chromium on a phone, against the real api on PostgreSQL: the
 * team leader draws the day on the survey page and keeps its points on the device, makes the team's
 * signing keys there (an admin enrolls them), and then, really offline (the browser context cut off
 * from the network, the page reloaded from the service worker), fills the return of the drawn
 * village, is refused signing while anything is unaccounted for, signs with both members' keys, and
 * back online syncs it: the hub holds it once, and a second send (the first answer lost on the way
 * back) is a duplicate.
 */

const PASSWORD = 'browser-survey-password';
/** 东太乡: six villages, all drawn (the design asks for more), one of them with the registry's cards. */
const TOWNSHIP = '511325229';
let VILLAGE: string;

/** China Standard Time's date and HH:MM of an instant. */
function chinaClock(at: Date): { date: string; time: string } {
  const iso = new Date(at.getTime() + 8 * 3600_000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

type User = 'county' | 'admin' | 'leader' | 'member';
const users = {} as Record<User, { id: string; token: string }>;

describe('the household survey on a phone, offline', () => {
  let hub: Hub;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const call = staffCaller(() => hub, users);
  /** Each POST of a return that reached the hub once back online, with the status the hub answered. */
  const posted: { returnId: string; status: number }[] = [];
  let returnId: string;

  beforeAll(async () => {
    assertBrowserTestsCanRun();
    hub = await startHub({ worker: false });
    await signInStaff(hub, 'survey', PASSWORD, [['county', 'county', null], ['admin', 'admin', null], ['leader', 'inspector', null], ['member', 'inspector', null]], users);
    VILLAGE = xichong.townships.find((t) => t.code === TOWNSHIP)!.villages[0].code;

    // One group of the village, two households: a family card each (woman, husband, a child).
    const fp = (await hub.api.get(ClientRepository).create('family-planning', 'fp')).clientId;
    const cards = [1, 2].map((n) => registryCard(n, 29, {
      recordId: `RC-S-${n}`, cardId: `S-${n}`, regionCode: VILLAGE, groupCode: '01', householdNumber: `${VILLAGE.slice(6)}010${n}`,
      woman: { citizenId: citizenId('1990-01-0' + n, 'F', 200 + n), name: n === 1 ? '王丽' : '张芳', sex: 'F', birthDate: `1990-01-0${n}`, hukouRegionCode: VILLAGE },
    }));
    const ctx = { get: (type: any) => hub.api.get(type), sql: hub.sql, config: hub.config, db: hub.db, close: async () => undefined } as PersistenceContext;
    await processRecords(ctx, fp, 'registry-card', cards);

    // The campaign: today (China), departing in ten minutes, so the leader may draw now.
    const soon = chinaClock(new Date(Date.now() + 10 * 60_000));
    const campaign = await expectJson(await call('county', 'POST', '/v1/inspection/campaigns', {
      year: Number(soon.date.slice(0, 4)), period: `${soon.date.slice(0, 4)}-Q4`, townshipCodes: [TOWNSHIP],
      design: { villagesPerTownship: 99, groupsPerVillage: 'all', householdsPerGroup: 'all' },
      teams: [{ teamId: 'A', leaderId: users.leader.id, memberIds: [users.member.id] }],
      days: [{ date: soon.date, departure: soon.time, assignments: [{ teamId: 'A', townshipCodes: [TOWNSHIP] }] }],
    }), 201);
    await expectJson(await call('county', 'POST', `/v1/inspection/campaigns/${campaign.id}/freeze`), 200);

    browser = await launchChromium();
    context = await contextAt(browser, PHONE);
    page = await context.newPage();
  }, 300_000);

  afterAll(async () => {
    await context?.close();
    await closeBrowserSuite(browser, hub, undefined);
  });

  /** Chooses an option of an Ant Design select by its label. */
  async function choose(select: Locator, option: string): Promise<void> {
    // The select's box, not its input: a chosen value's label lies over the input.
    await select.locator('xpath=ancestor::*[contains(concat(" ", @class, " "), " ant-select ")][1]').click();
    await (await settled(page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: option }).first())).click();
  }

  /** Fills the drawn village's return: the first household as seen, the second not at home. */
  async function fillReturn(): Promise<void> {
    const households = await page.locator('[data-household]').evaluateAll((els) => els.map((e) => e.getAttribute('data-household')!));
    // The first household: everyone as the registry says, and what it does not hold seen by hand.
    await page.locator(`[data-household="${households[0]}"]`).click();
    for (const card of await page.locator('.sx-survey-person').all()) {
      await card.getByRole('button', { name: '逐项与台账一致' }).click();
      for (const row of await card.locator('.sx-survey-item[data-state="missing"]').all()) {
        const item = await row.getAttribute('data-item');
        if (item === 'maritalStatus') await choose(row.getByRole('combobox').first(), '已婚');
        else if (item === 'contraception') await choose(row.getByRole('combobox').first(), '上环');
        else await choose(row.getByRole('combobox').last(), '拒绝调查');
      }
    }
    // The second household: nobody at home.
    await page.locator(`[data-household="${households[1]}"]`).click();
    const second = page.locator(`.ant-collapse-item:has(> .ant-collapse-header [data-household="${households[1]}"])`);
    await second.locator('label', { hasText: '未调查，原因：' }).first().click();
    await choose(second.getByRole('combobox').first(), '不在家');
    expect(await page.locator('.sx-survey-item[data-state="missing"]:visible').count()).toBe(0);
  }

  /** Signs the open return with every member ticked, through the confirmation. */
  async function signReturn(): Promise<void> {
    await page.getByRole('button', { name: '签字并保存' }).click();
    const dialog = await openedDialog(page);
    await expectText(dialog, '一律不得更改');
    await dialog.getByRole('button', { name: /签字并保存|签 字并保存/ }).click();
    await dialog.waitFor({ state: 'hidden' });
  }

  it('lets the leader draw the day and keep its points on the device, and make the team\'s keys there', async () => {
    await signIn(page, hub.url, 'survey-leader', PASSWORD, '/survey');
    await page.evaluate(() => (globalThis as any).navigator.serviceWorker.ready);
    await page.getByRole('button', { name: '下载当日检查点' }).click();
    await expectText(page.locator('main'), '还没有抽签');
    await page.getByRole('button', { name: '抽 签' }).or(page.getByRole('button', { name: '抽签' })).click();
    await expectText(page.getByTestId('survey-day'), '已保存到本机');
    expect(await page.getByTestId('survey-day').innerText()).toContain('6 个村、1 个组、2 户、6 人');

    await page.getByRole('button', { name: '在本机生成密钥 survey-leader' }).click();
    await page.getByRole('button', { name: '在本机生成密钥 组员 1' }).click();
    // The admin enrolls both public keys, as the page shows them.
    for (const staffId of [users.leader.id, users.member.id]) {
      const row = page.locator(`[data-testid="survey-key"][data-staff="${staffId}"]`);
      await expectText(row, '公钥指纹');
      const publicKey = (await row.getByTestId('survey-public-key').innerText()).trim();
      const algorithm = (await row.innerText()).includes('Ed25519') ? 'Ed25519' : 'ECDSA-P256-SHA256';
      await expectJson(await call('admin', 'POST', `/v1/staff/${staffId}/signing-keys`, { algorithm, publicKey, label: 'team A phone' }), 201);
    }
    expect(await layoutProblems(page)).toEqual([]);
    expect(await englishWords(page, ALLOWED_LATIN)).toEqual([]);
    await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await screenshotViewport(page, 'survey-phone-ready');
  }, 120_000);

  it('opens with no network, and refuses to sign a return that leaves anything out, naming it', async () => {
    await context.setOffline(true);
    await page.reload();
    await expectText(page.getByTestId('survey-network'), '离线');
    expect(await page.evaluate(() => fetch('/health/live').then(() => 'reached', () => 'offline'))).toBe('offline');

    await choose(page.getByRole('combobox', { name: '选择检查点' }), VILLAGE);
    await page.locator('[data-group="01"]').click();
    await page.getByRole('button', { name: '签字并保存' }).click();
    const missing = page.getByTestId('survey-missing');
    await expectText(missing, '第01组 户');
    expect(await missing.innerText()).toContain('王丽：姓名');
    expect(await englishWords(page, ALLOWED_LATIN)).toEqual([]);
    await screenshot(page, 'survey-phone-missing');
  }, 120_000);

  it('takes a complete return, signed by both members on the device, while offline', async () => {
    await fillReturn();
    await signReturn();
    const outbox = page.getByTestId('survey-outbox');
    await expectText(outbox, '待同步');
    returnId = (await outbox.locator('[data-return]').first().getAttribute('data-return'))!;
    expect(await outbox.innerText()).toContain('2 人签字');
    // Nothing reached the hub: the device is offline.
    expect(await hub.sql(`SELECT 1 FROM survey_return WHERE return_id = $1`, [returnId])).toEqual([]);
    expect(await layoutProblems(page)).toEqual([]);
    await screenshotViewport(page, 'survey-phone-signed-offline');
  }, 180_000);

  it('syncs it once back online; sent again (its answer lost), the hub answers a duplicate and keeps one', async () => {
    // Counts what reaches the hub: a route that forwards, so every answer is the real api's. (Only
    // from now on: a route's request goes out from the test, which the context's offline would not stop.)
    await page.route('**/v1/survey-returns', async (route) => {
      const response = await route.fetch();
      posted.push({ returnId: route.request().postDataJSON().return.returnId, status: response.status() });
      await route.fulfill({ response });
    });
    // The first answer is lost on the way back: the hub took the return, the device never heard.
    await page.route('**/v1/survey-returns', async (route) => {
      const response = await route.fetch();
      posted.push({ returnId, status: response.status() });
      await route.abort('connectionreset');
    }, { times: 1 });
    // Back online, the page sends what waits by itself (on the browser's online event, or on its own next check).
    await context.setOffline(false);
    await waitFor('the first send', async () => posted.length === 1, 30_000);
    await expectText(page.getByTestId('survey-outbox'), '待同步');
    await page.getByRole('button', { name: /立即同步/ }).click();
    await expectText(page.getByTestId('survey-outbox'), '重复');

    expect(posted).toEqual([{ returnId, status: 201 }, { returnId, status: 200 }]);
    const rows = await hub.sql(`SELECT return_id FROM survey_return WHERE return_id = $1`, [returnId]);
    expect(rows).toHaveLength(1);
    // Nothing is left to send: a third sync sends nothing.
    await page.getByRole('button', { name: /立即同步/ }).click();
    await expectText(page.locator('.ant-message'), '已同步 0 份');
    expect(posted).toHaveLength(2);
    await screenshotViewport(page, 'survey-phone-synced');
  }, 120_000);

  it('shows a correction signed with a revoked key as refused, with the hub\'s reason', async () => {
    const [memberKey] = (await expectJson(await call('admin', 'GET', `/v1/signing-keys?staffId=${users.member.id}`), 200)).items;
    await expectJson(await call('admin', 'POST', `/v1/signing-keys/${memberKey.keyId}/revocation`, { reason: 'phone lost' }), 200);
    await page.getByRole('button', { name: '另填一份（更正表）' }).click();
    await page.locator('[data-group="01"]').click();
    await fillReturn();
    await signReturn();
    const refused = page.locator('[data-testid="survey-outbox"] [data-state="rejected"]');
    await expectText(refused, '中心拒收的原因');
    expect(await refused.innerText()).toMatch(/no enrolled key|revoked/);
    expect(await englishWords(page, ALLOWED_LATIN)).toEqual([]);
    expect(await hub.sql(`SELECT 1 FROM survey_return WHERE return_id = $1`, [await refused.getAttribute('data-return')])).toEqual([]);
    await screenshotViewport(page, 'survey-phone-refused');
  }, 120_000);

  it('clears the day\'s personal data from the device once the hub holds the return, and keeps the keys and what it refused', async () => {
    await page.getByRole('button', { name: '清除本机调查数据' }).click();
    const dialog = await openedDialog(page);
    await dialog.getByRole('button', { name: '清除本机调查数据' }).click();
    await expectText(page.getByTestId('survey-day'), '本机还没有检查点');
    // The refused correction stays (to be seen to); the return the hub holds is gone.
    const outbox = page.getByTestId('survey-outbox');
    await waitFor('the outbox cleared', async () => (await outbox.locator('[data-return]').count()) === 1);
    expect(await outbox.locator('[data-return]').getAttribute('data-state')).toBe('rejected');
    const left = await page.evaluate(() => new Promise<number[]>((resolve, reject) => {
      const open = (globalThis as any).indexedDB.open('sanxian-survey');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction(['days', 'drafts', 'outbox', 'keys']);
        const counts = ['days', 'drafts', 'outbox', 'keys'].map((name) => tx.objectStore(name).count());
        tx.oncomplete = () => resolve(counts.map((r: any) => r.result));
      };
    }));
    // The refused correction stays, and both keys.
    expect(left).toEqual([0, 0, 1, 2]);
  }, 60_000);
});
