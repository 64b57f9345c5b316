import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { RecordKind } from '@sanxian/contracts';
import { StaffRepository } from '@sanxian/persistence';
import { ReconciliationService } from '@sanxian/reconciliation';
import { Manifest, SynthOptions, generateCounty } from '@sanxian/synth';
import xichong from '../../libs/domain/data/regions/511325.json';
import { Hub, TestClient, send, startHub, waitFor, waitUntilProcessed } from '../support/hub-harness';
import { birthNotice, citizenId, registryCard } from '../support/record-factory';
import {
  ALLOWED_LATIN, PHONE, SCREENS, aboveTheFold, pageWiderThanScreen, assertBrowserTestsCanRun, contextAt, englishWords, launchChromium, layoutProblems, newContext, openedDialog,
  renderedRowKeys, screenshot, screenshotViewport, settled, signIn, startAt, expectText, closeBrowserSuite, problemOnce,
} from './browser-harness';
import { pushCounty } from '../support/county-push';

/**
 * The staff console in Debian's Chromium, against the real api and worker on PostgreSQL and Redis,
 * with a small synthetic county pushed through the signed exchange API and reconciled: what a
 * township user sees and does, what a county user sees and does, the language switch, and the
 * first paint of a work queue of 10,000 open discrepancies.
 */

/** Raised fault rates, so that a small county has every kind of discrepancy and some link reviews. */
const RATES: SynthOptions['rates'] = {
  missingChild: 0.3, staleMarital: 0.4, staleResidence: 0.3, staleDeath: 0.3, mistypedWomanId: 0.05, nameTypo: 0.1, checkDigit: 0.1,
  motherWithoutId: 0.3, fifteenDigitId: 0.1, birthOrderError: 0.2, birthDateTypo: 0.1, noticeMissing: 0.2,
};
const PASSWORD = 'browser-test-password';
/** Kinds whose accept-agency correction changes the family card itself. */
const CORRECTABLE = ['marital-status-conflict', 'moved-out-still-registered'];

describe('the staff console in a browser', () => {
  let hub: Hub;
  let browser: Browser;
  let dir: string;
  let manifest: Manifest;
  const clients = {} as Record<RecordKind, TestClient>;
  /** The township user's township (A), with a correctable discrepancy, and another one (B). */
  let A: string;
  let B: string;
  let target: { id: string; kind: string; card_id: string };
  let otherTownshipId: string;
  /** A township of the county without discrepancies of its own, given 10,000 for the first-paint measurement. */
  let big: { code: string; villages: string[] };
  const users = {} as Record<'townA' | 'county' | 'big' | 'inspector' | 'department', { id: string; username: string }>;

  beforeAll(async () => {
    assertBrowserTestsCanRun();
    dir = mkdtempSync(join(tmpdir(), 'sanxian-browser-'));
    manifest = await generateCounty({ county: '511325', people: 3000, seed: 'console', year: 2025, out: dir, rates: RATES });
    hub = await startHub({ worker: true });
    const pushed = await pushCounty(hub, dir);
    Object.assign(clients, pushed.clients);
    let accepted = pushed.accepted;
    // And a birth notice whose mother (no id) fits two sisters equally well: a link for staff to review.
    const village = '511325101002';
    const sister = (serial: number, name: string) => ({ citizenId: citizenId('1990-05-01', 'F', serial), name, sex: 'F', birthDate: '1990-05-01', hukouRegionCode: village });
    const husband = (serial: number, name: string) => ({ citizenId: citizenId('1988-01-01', 'M', serial), name, sex: 'M', birthDate: '1988-01-01' });
    const cards = [
      registryCard(901, 7, { recordId: 'RC-BT-L1', cardId: 'C-BT-L1', eventDate: '2025-01-10', regionCode: village, woman: sister(901, '王丽'), husband: husband(902, '李军'), maritalStatus: 'married', children: [], residenceStatus: 'resident' }),
      registryCard(903, 7, { recordId: 'RC-BT-L2', cardId: 'C-BT-L2', eventDate: '2025-01-10', regionCode: village, woman: sister(903, '王莉'), husband: husband(904, '赵强'), maritalStatus: 'married', children: [], residenceStatus: 'resident' }),
    ];
    const notice = birthNotice(905, 7, {
      recordId: 'BN-BT-1', eventDate: '2025-06-01', regionCode: village, child: { sex: 'M', birthDate: '2025-06-01' },
      mother: { name: '王俐', sex: 'F', birthDate: '1990-05-01' }, father: { ...husband(906, '张伟'), birthDate: '1985-01-01' }, birthOrder: 1,
    });
    expect((await send(hub.url, clients['registry-card'], 'POST', '/v1/exchange/registry-cards', { records: cards })).status).toBe(202);
    expect((await send(hub.url, clients['birth-notice'], 'POST', '/v1/exchange/birth-notices', { records: [notice] })).status).toBe(202);
    accepted += 3;

    await waitUntilProcessed(hub, accepted, 120_000);
    await hub.worker!.get(ReconciliationService).run({ trigger: 'on-demand', asOf: manifest.asOf });

    // A: the township with the most open discrepancies among those with a correctable one.
    const [pick] = await hub.sql<{ township_code: string }>(
      `SELECT township_code FROM discrepancy WHERE status = 'open' GROUP BY township_code
       HAVING count(*) FILTER (WHERE kind = ANY($1) AND card_id IS NOT NULL) > 0 ORDER BY count(*) DESC, township_code LIMIT 1`,
      [CORRECTABLE],
    );
    A = pick.township_code;
    [target] = await hub.sql(
      `SELECT id, kind, card_id FROM discrepancy WHERE status = 'open' AND township_code = $1 AND kind = ANY($2) AND card_id IS NOT NULL
       ORDER BY array_position($2, kind), due_at, id LIMIT 1`,
      [A, CORRECTABLE],
    );
    const [other] = await hub.sql<{ id: string; township_code: string }>(
      `SELECT id, township_code FROM discrepancy WHERE status = 'open' AND township_code <> $1 ORDER BY township_code, id LIMIT 1`,
      [A],
    );
    B = other.township_code;
    otherTownshipId = other.id;

    const used = new Set((await hub.sql<{ t: string }>(`SELECT DISTINCT township_code AS t FROM discrepancy`)).map((r) => r.t));
    const quiet = xichong.townships.find((t) => !used.has(t.code) && t.villages.length >= 2)!;
    big = { code: quiet.code, villages: quiet.villages.map((v) => v.code) };

    const staff = hub.api.get(StaffRepository);
    const townA = await staff.create('town-a', PASSWORD, 'township', A);
    const county = await staff.create('county-1', PASSWORD, 'county', null);
    const bigUser = await staff.create('town-big', PASSWORD, 'township', big.code);
    users.townA = { id: townA.id, username: 'town-a' };
    users.county = { id: county.id, username: 'county-1' };
    users.big = { id: bigUser.id, username: 'town-big' };
    for (const role of ['inspector', 'department'] as const) {
      const user = await staff.create(`${role}-1`, PASSWORD, role, null);
      users[role] = { id: user.id, username: `${role}-1` };
    }

    browser = await launchChromium();
  }, 300_000);

  afterAll(() => closeBrowserSuite(browser, hub, dir));

  /** A page in a new context, with every discrepancy list the console fetched recorded. */
  async function openPage(locale = 'zh-CN'): Promise<{ context: BrowserContext; page: Page; listed: Listed[] }> {
    const context = await newContext(browser, locale);
    const page = await context.newPage();
    const listed: Listed[] = [];
    page.on('response', async (response) => {
      const url = new URL(response.url());
      if (url.pathname === '/v1/discrepancies' && response.ok()) {
        const body = await response.json().catch(() => ({ items: [] }));
        listed.push(...body.items.map((i: Listed) => ({ id: i.id, townshipCode: i.townshipCode, regionCode: i.regionCode, overdue: i.overdue })));
      }
    });
    return { context, page, listed };
  }

  /** Starts a test afresh at `path` on the page its describe shares (see startAt), signed in as `user`. */
  function start(page: Page, path: string, user: { username: string }): Promise<void> {
    return startAt(page, hub.url, path, user.username, PASSWORD);
  }

  /**
   * Starts a test afresh on the work queue at `path`, once it is drawn: its first rows and the counts
   * above them (which push the table down when they come, under a pointer about to click a row).
   */
  async function openQueue(page: Page, path: string, user: { username: string }): Promise<void> {
    await start(page, path, user);
    await page.locator('[data-testid="discrepancy-table"] .ant-table-row').first().waitFor();
    await page.getByTestId('queue-counts').waitFor();
  }

  describe('a township user', () => {
    let context: BrowserContext;
    let page: Page;
    let listed: Listed[];

    beforeAll(async () => {
      ({ context, page, listed } = await openPage());
    });
    afterAll(() => context?.close());

    it('signs in and sees the work queue of their own township only, by deadline, with only the menu their role may use', async () => {
      await page.goto(`${hub.url}/`);
      await page.getByLabel('用户名').waitFor();
      await screenshot(page, '01-sign-in');
      await signIn(page, hub.url, users.townA.username, PASSWORD);
      await page.waitForURL(/\/discrepancies$/);
      await page.getByRole('heading', { name: '差异工作台' }).waitFor();
      await page.locator('[data-testid="discrepancy-table"] .ant-table-row').first().waitFor();

      const own = await hub.sql<{ id: string }>(`SELECT id FROM discrepancy WHERE status = 'open' AND township_code = $1 ORDER BY due_at, id`, [A]);
      const loaded = page.getByTestId('queue-loaded');
      await expectText(loaded, own.length > 200 ? /已加载 200 条/ : new RegExp(`共 ${own.length} 条`));
      // What the console was given and what it drew: all of township A, nothing else. (The recorder reads
      // each response body after the page has it, so it may lag the page a moment.)
      await waitFor('the list recorded', async () => listed.length >= Math.min(own.length, 200) || undefined, 10_000).catch(() => undefined);
      expect(listed.length).toBe(Math.min(own.length, 200));
      expect(listed.every((i) => i.townshipCode === A)).toBe(true);
      const drawn = await renderedRowKeys(page);
      expect(drawn.length).toBeGreaterThan(0);
      expect(drawn).toEqual(own.slice(0, drawn.length).map((r) => r.id));

      const menu = await page.getByRole('navigation').getByRole('menuitem').allInnerTexts();
      expect(menu.map((m) => m.trim())).toEqual(['差异工作台', '逾期协查', '匹配复核', '考核计分']);
      // Bulk assignment is for county staff.
      expect(await page.getByRole('button', { name: '批量分派' }).count()).toBe(0);
      await screenshot(page, '02-queue-township');
    });

    it('filters by village and by overdue, and clears the filters', async () => {
      listed.length = 0;
      await openQueue(page, '/discrepancies', users.townA);
      // The unfiltered first page recorded, so that it is not taken for the filtered lists below.
      await waitFor('the list recorded', async () => listed.length > 0 || undefined, 10_000);
      const [village] = await hub.sql<{ region_code: string; n: number }>(
        `SELECT region_code, count(*)::int AS n FROM discrepancy WHERE status = 'open' AND township_code = $1 GROUP BY region_code ORDER BY n DESC, region_code LIMIT 1`,
        [A],
      );
      listed.length = 0;
      // Typed into the village list and chosen with Enter, without the mouse.
      await page.getByRole('combobox', { name: '村（居）' }).focus();
      await page.keyboard.type(villageName(village.region_code));
      await page.keyboard.press('Enter');
      await page.waitForURL(new RegExp(`village=${village.region_code}`));
      await expectText(page.getByTestId('queue-loaded'), new RegExp(`共 ${village.n} 条`));
      await waitFor('the list recorded', async () => listed.length >= village.n || undefined, 10_000).catch(() => undefined);
      expect(listed.length).toBe(village.n);
      expect(listed.every((i) => i.regionCode === village.region_code)).toBe(true);
      await page.getByRole('button', { name: '清除筛选' }).click();

      const [{ overdue }] = await hub.sql<{ overdue: number }>(
        `SELECT count(*)::int AS overdue FROM discrepancy WHERE status = 'open' AND township_code = $1 AND due_at < (now() AT TIME ZONE 'Asia/Shanghai')::date`,
        [A],
      );
      listed.length = 0;
      // The box is ticked once the address changes (a navigation), so it is clicked rather than "checked".
      await page.getByRole('checkbox', { name: '只看逾期' }).click();
      await page.waitForURL(/overdue=true/);
      await expectText(page.getByTestId('queue-loaded'), new RegExp(`共 ${overdue} 条`));
      await waitFor('the list recorded', async () => listed.length >= Math.min(overdue, 200) || undefined, 10_000).catch(() => undefined);
      expect(listed.every((i) => i.overdue && i.townshipCode === A)).toBe(true);
      // Overdue rows say so in words, in red.
      if (overdue > 0) await page.locator('.sx-overdue').getByText('已逾期').first().waitFor();
      await page.getByRole('button', { name: '清除筛选' }).click();
      await page.waitForURL((url) => url.search === '');
    });

    it('filters by kind, and opens a discrepancy with both values side by side and the evidence one click away', async () => {
      await openQueue(page, '/discrepancies', users.townA);
      // The list opens from the keyboard.
      await page.getByRole('combobox', { name: '差异类型' }).focus();
      await page.keyboard.press('ArrowDown');
      await (await settled(page.locator(`.ant-select-item-option[title="${kindLabel(target.kind)}"]`))).click();
      await page.waitForURL(new RegExp(`kind=${target.kind}`));
      await page.locator(`.ant-table-row[data-row-key="${target.id}"]`).waitFor();
      const kinds = await hub.sql<{ id: string }>(`SELECT id FROM discrepancy WHERE status = 'open' AND township_code = $1 AND kind = $2`, [A, target.kind]);
      await expectText(page.getByTestId('queue-loaded'), new RegExp(`共 ${kinds.length} 条`));

      await page.locator(`.ant-table-row[data-row-key="${target.id}"]`).getByRole('link').click();
      await page.waitForURL(`**/discrepancies/${target.id}`);
      await page.getByText('部门数据与台账对比').waitFor();
      // The differing value is marked, in a word as well as in colour.
      expect(await page.locator('.sx-differs').count()).toBeGreaterThan(0);
      await page.locator('.sx-differs').first().getByText('不一致').waitFor();
      // The subject's full id is shown (and audited) on the detail page.
      const [row] = await hub.sql<{ subject_citizen_id: string }>(`SELECT subject_citizen_id FROM discrepancy WHERE id = $1`, [target.id]);
      if (row.subject_citizen_id) await expectText(page.getByTestId('subject-citizen-id'), row.subject_citizen_id);
      await screenshot(page, '03-discrepancy-detail');

      const evidence = await hub.sql<{ record_id: string }>(
        `SELECT m.record_id FROM discrepancy d JOIN inbound_message m ON m.id::text = ANY(SELECT jsonb_array_elements_text(d.evidence->'messageIds')) WHERE d.id = $1`,
        [target.id],
      );
      expect(evidence.length).toBeGreaterThan(0);
      await page.getByTestId('open-evidence').click();
      const drawer = page.locator('.ant-drawer-content');
      await drawer.getByText('证据：部门报送的原始记录').waitFor();
      for (const e of evidence) await drawer.getByText(e.record_id, { exact: true }).first().waitFor();
      await screenshot(page, '04-evidence');
      await page.keyboard.press('Escape');
      await drawer.waitFor({ state: 'hidden' });
    });

    it('resolves it with a required comment, keeps what was typed when the request fails, and the registry and the receipts change', async () => {
      const comment = '经入户核实，以部门登记为准。';
      await start(page, `/discrepancies/${target.id}`, users.townA);
      await page.getByText('部门数据与台账对比').waitFor();
      await page.getByRole('radio', { name: '采纳部门数据，更正台账' }).check();
      await page.getByRole('button', { name: '提交处理' }).click();
      // The comment is required: nothing is sent without one.
      await page.getByText('请填写处理说明').waitFor();
      expect((await hub.sql(`SELECT status FROM discrepancy WHERE id = $1`, [target.id]))[0].status).toBe('open');

      await page.getByLabel('处理说明').fill(comment);
      // The first attempt fails as if the database were down: the form keeps the action and the comment.
      await problemOnce(page, '**/v1/discrepancies/*/resolution', 503, 'Service Unavailable', 'the database cannot store the request: try again later');
      await page.getByRole('button', { name: '提交处理' }).click();
      await page.getByRole('alert').getByText('提交失败，您填写的内容已保留。').waitFor();
      expect(await page.getByLabel('处理说明').inputValue()).toBe(comment);
      expect(await page.getByRole('radio', { name: '采纳部门数据，更正台账' }).isChecked()).toBe(true);
      await screenshot(page, '05-resolve-error-kept');

      const [{ cursor }] = await hub.sql<{ cursor: string }>(`SELECT coalesce(max(id), 0)::text AS cursor FROM exchange_receipt`);
      const [before] = await hub.sql(`SELECT marital_status, residence_status FROM registry_woman WHERE card_id = $1`, [target.card_id]);
      await page.getByRole('button', { name: '提交处理' }).click();
      await page.getByText('处理结果').waitFor();
      await page.getByText(comment).first().waitFor();
      await screenshot(page, '06-resolved');

      const [closed] = await hub.sql(`SELECT status, resolution FROM discrepancy WHERE id = $1`, [target.id]);
      expect(closed).toMatchObject({ status: 'resolved', resolution: { action: 'accept-agency', comment, by: { id: users.townA.id } } });
      const [after] = await hub.sql(`SELECT marital_status, residence_status FROM registry_woman WHERE card_id = $1`, [target.card_id]);
      expect(after).not.toEqual(before);
      if (target.kind === 'moved-out-still-registered') expect(after.residence_status).toBe('moved-out');
      const [correction] = await hub.sql(`SELECT card_id, staff_id FROM registry_correction WHERE discrepancy_id = $1`, [target.id]);
      expect(correction).toEqual({ card_id: target.card_id, staff_id: users.townA.id });

      // The family-planning system is told what to change on its card; the agency whose record was the evidence, that it was resolved.
      const fp = await receipts(clients['registry-card'], cursor);
      expect(fp).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'correction', detail: expect.objectContaining({ discrepancyId: target.id, comment }) })]));
      const agency = target.kind === 'marital-status-conflict' ? clients['marriage-record'] : clients['hukou-change'];
      expect(await receipts(agency, cursor)).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'resolved', detail: expect.objectContaining({ discrepancyId: target.id, action: 'accept-agency' }) })]),
      );
    });

    it('keeps what was typed when the session expires: sign in again and it is still there', async () => {
      const [open] = await hub.sql<{ id: string }>(`SELECT id FROM discrepancy WHERE status = 'open' AND township_code = $1 ORDER BY due_at, id LIMIT 1`, [A]);
      const comment = '村专干已电话核实，待补充材料。';
      await start(page, `/discrepancies/${open.id}`, users.townA);
      await page.getByRole('radio', { name: '撤销（不属实或无需处理）' }).check();
      await page.getByLabel('处理说明').fill(comment);
      await problemOnce(page, '**/v1/discrepancies/*/resolution', 401, 'Unauthorized', 'the token is invalid or has expired: sign in again');
      await page.getByRole('button', { name: '提交处理' }).click();
      await page.waitForURL(/\/sign-in\?next=/);
      await page.getByText('登录已过期，请重新登录；您填写的内容已保留。').waitFor();
      await page.getByLabel('用户名').fill(users.townA.username);
      await page.getByLabel('密码').fill(PASSWORD);
      await page.getByRole('button', { name: '登 录' }).click();
      await page.waitForURL(`**/discrepancies/${open.id}`);
      await page.getByText('部门数据与台账对比').waitFor();
      expect(await page.getByLabel('处理说明').inputValue()).toBe(comment);
      expect(await page.getByRole('radio', { name: '撤销（不属实或无需处理）' }).isChecked()).toBe(true);
      expect((await hub.sql(`SELECT status FROM discrepancy WHERE id = $1`, [open.id]))[0].status).toBe('open');
    });

    it("cannot open another township's discrepancy by its URL", async () => {
      await start(page, `/discrepancies/${otherTownshipId}`, users.townA);
      await page.getByText('找不到这条差异').waitFor();
      await page.getByText('不属于您所在的乡镇').waitFor();
      expect(await page.getByText('部门数据与台账对比').count()).toBe(0);
      const [{ n }] = await hub.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_log WHERE action = 'discrepancy.read' AND target = $1 AND user_id = $2`, [otherTownshipId, users.townA.id],
      );
      expect(n).toBe(0);
      await screenshot(page, '07-other-township-refused');
    });

    it('switches to English and back, and keeps the choice', async () => {
      await start(page, '/discrepancies', users.townA);
      await page.getByRole('heading', { name: '差异工作台' }).waitFor();
      await page.getByText('English', { exact: true }).click();
      await page.getByRole('heading', { name: 'Discrepancy work queue' }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(await page.getByRole('navigation').getByRole('menuitem').allInnerTexts()).toEqual(['Discrepancies', 'Overdue requests', 'Link reviews', 'Scoreboard']);
      // Ant Design's own texts follow (its locale), as do the kinds.
      await page.getByRole('combobox', { name: 'Kind', exact: true }).focus();
      await page.keyboard.press('ArrowDown');
      await page.locator('.ant-select-item-option[title="All kinds"]').waitFor();
      await page.keyboard.press('Escape');
      await screenshot(page, '08-queue-english');
      await page.reload();
      await page.getByRole('heading', { name: 'Discrepancy work queue' }).waitFor();
      await page.getByText('中文', { exact: true }).click();
      await page.getByRole('heading', { name: '差异工作台' }).waitFor();
      expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    });
  });

  describe.each(SCREENS)('on %s', (_screen, viewport) => {
    const size = `${viewport.width}x${viewport.height}`;
    let context: BrowserContext;
    let page: Page;

    beforeAll(async () => {
      context = await contextAt(browser, viewport);
      page = await context.newPage();
    });
    afterAll(() => context?.close());

    /** The list's first item: a table row on a laptop, a card on a phone. */
    const firstItem = () => page.locator('[data-testid="discrepancy-table"] .ant-table-row, [data-testid="discrepancy-cards"] li').first();

    it('signs in on a page that fits the screen', async () => {
      await page.goto(`${hub.url}/sign-in`);
      await page.getByLabel('用户名').waitFor();
      expect(await pageWiderThanScreen(page)).toBeNull();
      await screenshot(page, `30-sign-in-${size}`);
      await signIn(page, hub.url, users.townA.username, PASSWORD);
      await page.getByRole('heading', { name: '差异工作台' }).waitFor();
    });

    it('shows the work queue with its first item above the fold, nothing wider than the screen, the header above the title', async () => {
      await start(page, '/discrepancies', users.townA);
      await firstItem().waitFor();
      await page.getByTestId('queue-counts').waitFor();
      expect(await layoutProblems(page)).toEqual([]);
      const first = await aboveTheFold(page, firstItem());
      expect(first).toMatchObject({ visible: true });
      console.log(`work queue at ${size}: first item from y=${first.top} to y=${first.bottom} (fold at ${first.fold})`);
      if (viewport === PHONE) {
        // A phone: cards, not a table, and the menu in a drawer behind a button.
        expect(await page.getByTestId('discrepancy-table').count()).toBe(0);
        expect(await page.getByRole('navigation').count()).toBe(0);
        await page.getByRole('button', { name: '打开菜单' }).click();
        await (await settled(page.getByRole('navigation').getByRole('link', { name: '考核计分' }))).waitFor();
        expect(await page.getByRole('navigation').getByRole('menuitem').allInnerTexts()).toEqual(['差异工作台', '逾期协查', '匹配复核', '考核计分']);
        await screenshotViewport(page, `31-menu-${size}`);
        await page.keyboard.press('Escape');
        await page.getByRole('navigation').waitFor({ state: 'hidden' });
      }
      await screenshotViewport(page, `32-queue-fold-${size}`);
      await screenshot(page, `32-queue-${size}`);
    });

    it('opens the counts and the chart on demand, and the filters on a phone', async () => {
      await start(page, '/discrepancies', users.townA);
      await firstItem().waitFor();
      await page.getByTestId('queue-counts').getByRole('button', { name: '展开图表' }).click();
      await page.locator('[data-testid="queue-counts"] svg').first().waitFor();
      if (viewport === PHONE) {
        await page.getByRole('button', { name: /^筛\s?选$/ }).click();
        await page.getByRole('combobox', { name: '差异类型' }).waitFor();
      }
      expect(await layoutProblems(page)).toEqual([]);
      await screenshot(page, `33-queue-open-${size}`);
    });

    it('shows a discrepancy that fits the screen', async () => {
      await start(page, `/discrepancies/${target.id}`, users.townA);
      await page.getByRole('heading', { name: kindLabel(target.kind) }).waitFor();
      await page.getByText('部门数据与台账对比').waitFor();
      expect(await layoutProblems(page)).toEqual([]);
      await screenshotViewport(page, `34-discrepancy-fold-${size}`);
      await screenshot(page, `34-discrepancy-${size}`);
    });

    it('lists link reviews likeliest first, with both names, masked ids and the score', async () => {
      // As the county (every township's reviews): the township user of the tests before signs out.
      await page.evaluate(() => (globalThis as any).sessionStorage.clear());
      await start(page, '/link-reviews', users.county);
      await page.getByRole('heading', { name: '匹配复核' }).waitFor();
      const [expected] = await hub.sql<{ fact_id: string }>(
        `SELECT fact_id::text FROM person_link WHERE review_status = 'pending' ORDER BY score DESC NULLS LAST, fact_id LIMIT 1`,
      );
      const first = page.locator(`a[href="/link-reviews/${expected.fact_id}"]`).first();
      await first.waitFor();
      const links = await page.locator('#main a[href^="/link-reviews/"]').evaluateAll((as) => as.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('href')));
      expect(links[0]).toBe(`/link-reviews/${expected.fact_id}`);
      // The review of the two sisters: the record's name and the candidate's, never a stray "·" without a name.
      const text = await page.locator('#main').innerText();
      expect(text).toContain('王俐');
      expect(text).toMatch(/王丽|王莉/);
      expect(text).not.toMatch(/(^|\s)·(\s|$)/m);
      expect(text).not.toMatch(/\b\d{17}[\dX]\b/);
      expect(await layoutProblems(page)).toEqual([]);
      await screenshot(page, `35-link-reviews-${size}`);
      // And the review itself: the record beside the candidate, on this screen.
      await first.click();
      await page.getByText('各项比对的权重').waitFor();
      expect(await layoutProblems(page)).toEqual([]);
      await screenshot(page, `36-link-review-${size}`);
    });
  });

  describe('a county user', () => {
    let context: BrowserContext;
    let page: Page;
    let listed: Listed[];

    beforeAll(async () => {
      ({ context, page, listed } = await openPage());
      await signIn(page, hub.url, users.county.username, PASSWORD);
      await page.locator('[data-testid="discrepancy-table"] .ant-table-row').first().waitFor();
    });
    afterAll(() => context?.close());

    it('sees every township, with counts by kind and by township and the overdue ones in red', async () => {
      await waitFor('the list recorded', async () => listed.length > 0 || undefined, 10_000);
      expect(new Set(listed.map((i) => i.townshipCode)).size).toBeGreaterThan(1);
      expect(listed.some((i) => i.townshipCode === B)).toBe(true);
      await page.getByTestId('queue-counts').getByRole('button', { name: '展开图表和各乡镇统计' }).click();
      await page.getByText('各乡镇差异').waitFor();
      await page.locator('[data-testid="queue-counts"] svg').first().waitFor();
      // The run was as of the end of 2025: its due dates have passed.
      expect(await page.locator('.sx-overdue').count()).toBeGreaterThan(0);
      await screenshot(page, '09-queue-county');
    });

    it('assigns several discrepancies at once, with progress', async () => {
      await openQueue(page, '/discrepancies', users.county);
      const keys = (await renderedRowKeys(page)).slice(0, 3);
      for (const key of keys) await page.locator(`.ant-table-row[data-row-key="${key}"] .ant-checkbox-input`).check();
      await page.getByText('已选 3 条').waitFor();
      await page.getByRole('button', { name: '批量分派' }).click();
      const dialog = await openedDialog(page);
      await dialog.getByRole('radio', { name: /我自己/ }).check();
      await screenshot(page, '10-bulk-assign');
      await dialog.getByRole('button', { name: '分 派' }).or(dialog.getByRole('button', { name: '分派' })).click();
      await dialog.getByText('已分派 3 条差异。').waitFor();
      const rows = await hub.sql<{ assignee_id: string }>(`SELECT assignee_id FROM discrepancy WHERE id = ANY($1::uuid[])`, [keys]);
      expect(rows.map((r) => r.assignee_id)).toEqual([users.county.id, users.county.id, users.county.id]);
      await dialog.getByRole('button', { name: /OK|确 定|确定/ }).click();
      await dialog.waitFor({ state: 'hidden' });
    });

    it('assigns to a township user picked from the staff directory, which offers only those who may take them', async () => {
      await openQueue(page, `/discrepancies?township=${A}`, users.county);
      await expectText(page.getByTestId('queue-loaded'), /共|已加载/);
      const keys = (await renderedRowKeys(page)).slice(0, 2);
      for (const key of keys) await page.locator(`.ant-table-row[data-row-key="${key}"] .ant-checkbox-input`).check();
      await page.getByText('已选 2 条').waitFor();
      await page.getByRole('button', { name: '批量分派' }).click();
      const dialog = await openedDialog(page);
      const toUser = dialog.getByRole('radio', { name: '指定承办人' });
      await toUser.check();
      await dialog.getByRole('combobox', { name: '承办人' }).click();
      await settled(page.locator('.ant-select-item-option').first());
      const offered = await page.locator('.ant-select-item-option').allInnerTexts();
      // County staff, and of the township users only township A's: not another township's, nor read-only roles.
      expect(offered.map((o) => o.split(' · ')[0]).sort()).toEqual(['county-1', 'town-a']);
      // The choice holds once the directory has come.
      expect(await toUser.isChecked()).toBe(true);
      await screenshot(page, '10b-bulk-assign-picker');
      await page.locator('.ant-select-item-option').filter({ hasText: 'town-a' }).click();
      await dialog.getByRole('button', { name: '分 派' }).or(dialog.getByRole('button', { name: '分派' })).click();
      await dialog.getByText('已分派 2 条差异。').waitFor();
      const rows = await hub.sql<{ assignee_id: string }>(`SELECT assignee_id FROM discrepancy WHERE id = ANY($1::uuid[])`, [keys]);
      expect(rows.map((r) => r.assignee_id)).toEqual([users.townA.id, users.townA.id]);
      await dialog.getByRole('button', { name: /OK|确 定|确定/ }).click();
      await dialog.waitFor({ state: 'hidden' });
    });

    it('reviews a link: the record beside the candidate with the weight of each field, and rejects it with a comment', async () => {
      await start(page, '/discrepancies', users.county);
      await page.getByRole('heading', { name: '差异工作台' }).waitFor();
      await page.getByRole('navigation').getByRole('link', { name: '匹配复核' }).click();
      await page.getByRole('heading', { name: '匹配复核' }).waitFor();
      const [pending] = await hub.sql<{ fact_id: string }>(
        `SELECT fact_id::text FROM person_link WHERE review_status = 'pending' ORDER BY fact_id LIMIT 1`,
      );
      await screenshot(page, '11-link-reviews');
      expect(pending).toBeDefined();
      await page.locator(`a[href="/link-reviews/${pending.fact_id}"]`).waitFor();
      await page.goto(`${hub.url}/link-reviews/${pending.fact_id}`);
      await page.getByText('各项比对的权重').waitFor();
      const [link] = await hub.sql<{ weights: Record<string, unknown> }>(`SELECT weights FROM person_link WHERE fact_id = $1`, [pending.fact_id]);
      expect(await page.locator('.ant-card').filter({ hasText: '各项比对的权重' }).locator('tbody tr.ant-table-row').count()).toBe(Object.keys(link.weights).length);
      await screenshot(page, '12-link-review-detail');
      await page.getByRole('radio', { name: '不是同一人' }).check();
      await page.getByLabel('复核说明').fill('出生日期与丈夫姓名均不符。');
      await page.getByRole('button', { name: '提交复核' }).click();
      await page.locator('.ant-tag').getByText('已否定').waitFor();
      const [decided] = await hub.sql(`SELECT review_status, review_comment FROM person_link WHERE fact_id = $1`, [pending.fact_id]);
      expect(decided).toEqual({ review_status: 'rejected', review_comment: '出生日期与丈夫姓名均不符。' });
    });

    it('opens the scoreboard, which says plainly that no results are published yet', async () => {
      const res = await fetch(`${hub.url}/v1/scoreboard?line=party-government&year=2026`, { headers: { authorization: `Bearer ${await token(users.county.username)}` } });
      await start(page, '/discrepancies', users.county);
      await page.getByRole('heading', { name: '差异工作台' }).waitFor();
      await page.getByRole('navigation').getByRole('link', { name: '考核计分' }).click();
      await page.getByRole('heading', { name: '考核计分' }).waitFor();
      await expectText(page.locator('.ant-menu-item-selected'), '考核计分');
      const body = res.status === 200 ? ((await res.json()) as { lines?: { units?: unknown[] }[] }) : undefined;
      if (body?.lines?.some((l) => (l.units ?? []).length > 0)) {
        // The scoring engine has results for the year: its ranking is shown, not the empty state.
        await page.locator('.ant-table').first().waitFor();
      } else {
        expect([200, 404]).toContain(res.status);
        await page.getByText('计分结果尚未发布').waitFor();
        await page.getByTestId('scoreboard-empty').waitFor();
      }
      await screenshot(page, '13-scoreboard');
    });
  });

  describe('the Chinese interface', () => {
    it('has no English words on its main pages (only names and codes marked as data, and a short allow-list)', async () => {
      const { context, page } = await openPage();
      const found: Record<string, string[]> = {};
      try {
        const [review] = await hub.sql<{ fact_id: string }>(`SELECT fact_id::text FROM person_link WHERE review_status IS NOT NULL ORDER BY fact_id LIMIT 1`);
        const pages: [string, string, string][] = [
          ['/sign-in', '登录', users.county.username],
          ['/discrepancies', '差异工作台', users.county.username],
          [`/discrepancies/${target.id}`, kindLabel(target.kind), users.county.username],
          ['/link-reviews', '匹配复核', users.county.username],
          [`/link-reviews/${review.fact_id}`, '匹配复核', users.county.username],
          ['/scoreboard', '考核计分', users.county.username],
          ['/monitor', '交换监控', users.county.username],
        ];
        await page.goto(`${hub.url}/sign-in`);
        await page.getByLabel('用户名').waitFor();
        found['/sign-in'] = await englishWords(page, ALLOWED_LATIN);
        for (const [path, heading, username] of pages.slice(1)) {
          await startAt(page, hub.url, path, username, PASSWORD);
          await page.getByRole('heading', { name: heading }).first().waitFor();
          await page.waitForLoadState('networkidle');
          if (path === '/discrepancies') {
            await page.getByTestId('queue-counts').getByRole('button', { name: /展开图表/ }).click();
            await page.locator('[data-testid="queue-counts"] svg').first().waitFor();
          }
          found[path] = await englishWords(page, ALLOWED_LATIN);
        }
      } finally {
        await context.close();
      }
      expect(Object.entries(found).filter(([, words]) => words.length > 0)).toEqual([]);
    });
  });

  describe('read-only roles', () => {
    it('shows an inspector the queue to read, without the resolve form, and a department liaison only the scoreboard', async () => {
      const { context, page } = await openPage();
      try {
        await signIn(page, hub.url, users.inspector.username, PASSWORD);
        await page.getByRole('heading', { name: '差异工作台' }).waitFor();
        expect(await page.getByRole('navigation').getByRole('menuitem').allInnerTexts()).toEqual(['差异工作台', '逾期协查', '匹配复核', '考核计分', '交换监控', '入户调查', '奖惩台账']);
        const [open] = await hub.sql<{ id: string }>(`SELECT id FROM discrepancy WHERE status = 'open' ORDER BY due_at, id LIMIT 1`);
        await page.goto(`${hub.url}/discrepancies/${open.id}`);
        await page.getByText('您的角色只能查看差异，不能处理。').waitFor();
        expect(await page.getByRole('button', { name: '提交处理' }).count()).toBe(0);
        await page.getByRole('button', { name: '退出登录' }).click();

        await signIn(page, hub.url, users.department.username, PASSWORD);
        await page.waitForURL(/\/scoreboard$/);
        await page.getByRole('heading', { name: '考核计分' }).waitFor();
        expect(await page.getByRole('navigation').getByRole('menuitem').allInnerTexts()).toEqual(['考核计分']);
        await page.goto(`${hub.url}/discrepancies`);
        await page.getByText('您的角色无权进行此操作。').waitFor();
      } finally {
        await context.close();
      }
    });
  });

  describe('a township with 10,000 open discrepancies', () => {
  it('draws the first rows of the work queue quickly, with only a screenful of rows in the DOM', async () => {
    // 10,000 open discrepancies in one township, written directly: the measurement is of the console.
    const villages = big.villages.slice(0, 5);
    await hub.sql(
      `INSERT INTO discrepancy (key, kind, status, region_code, township_code, subject, subject_citizen_id, subject_name, agency_value, registry_value,
         evidence, due_at, raised_by_run, last_seen_run)
       SELECT 'bulk-' || i, (ARRAY['marital-status-conflict','moved-out-still-registered','birth-not-in-registry','death-not-reflected'])[1 + i % 4], 'open',
         ($1::text[])[1 + i % array_length($1::text[], 1)], $2, jsonb_build_object('n', i), NULL, '测试' || i, '"married"', '"unmarried"',
         '{"messageIds": [], "recordIds": []}', DATE '2026-01-01' + (i % 400), 1, 1
       FROM generate_series(1, 10000) AS i`,
      [villages, big.code],
    );
    const [{ n }] = await hub.sql<{ n: number }>(`SELECT count(*)::int AS n FROM discrepancy WHERE township_code = $1 AND status = 'open'`, [big.code]);
    expect(n).toBe(10_000);

    // Signed in already (the token in the tab's session), so that the measurement is of the work queue alone.
    const session = JSON.stringify({ token: await token(users.big.username), expiresAt: new Date(Date.now() + 600_000).toISOString() });
    /** One first visit: a new context (nothing cached), the queue opened, its first rows' mark read. */
    const firstVisit = async () => {
      const opened = await openPage();
      await opened.context.addInitScript(`sessionStorage.setItem('sanxian.session', ${JSON.stringify(session)})`);
      await opened.page.goto(`${hub.url}/discrepancies`);
      await opened.page.locator('[data-testid="discrepancy-table"] .ant-table-row').first().waitFor();
      await opened.page.waitForFunction(() => performance.getEntriesByName('sx:queue-first-rows').length > 0);
      const timing = await opened.page.evaluate(() => ({
        firstRows: performance.getEntriesByName('sx:queue-first-rows')[0].startTime,
        firstContentfulPaint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      }));
      return { ...opened, timing };
    };
    // Five first visits, the spread reported (the machine is shared: one visit says little). Printed, not asserted.
    const visits: { firstRows: number; firstContentfulPaint: number | null }[] = [];
    for (let i = 0; i < 4; i++) {
      const visit = await firstVisit();
      visits.push(visit.timing);
      await visit.context.close();
    }
    const { context, page, timing } = await firstVisit();
    visits.push(timing);
    try {
      const domRows = (await renderedRowKeys(page)).length;
      await expectText(page.getByTestId('queue-loaded'), /已加载 200 条/);
      const sorted = visits.map((v) => v.firstRows).sort((a, b) => a - b);
      const fcp = visits.map((v) => v.firstContentfulPaint ?? NaN).sort((a, b) => a - b);
      console.log(
        `work queue of 10,000 open discrepancies in one township, ${visits.length} first visits: first rows drawn ` +
        `${sorted.map((t) => t.toFixed(0)).join(', ')} ms after navigation (median ${sorted[2].toFixed(0)} ms; ` +
        `first contentful paint median ${fcp[2].toFixed(0)} ms); ${domRows} rows in the DOM of 200 loaded; ` +
        `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`,
      );
      expect(domRows).toBeGreaterThan(0);
      expect(domRows).toBeLessThan(60);
      await screenshot(page, '14-queue-10000');

      // Scrolling to the end of what is loaded fetches the next page; the DOM still holds a screenful.
      const body = page.locator('[data-testid="discrepancy-table"] .ant-table-tbody-virtual-holder');
      await body.hover();
      const loadedCount = async () => Number((await page.getByTestId('queue-loaded').innerText()).replace(/\D/g, ''));
      for (let i = 0; i < 50 && (await loadedCount()) <= 200; i++) {
        await page.mouse.wheel(0, 2000);
        await page.waitForTimeout(100);
      }
      const more = await loadedCount();
      expect(more).toBeGreaterThanOrEqual(400);
      expect(more % 200).toBe(0);
      expect((await renderedRowKeys(page)).length).toBeLessThan(60);
    } finally {
      await context.close();
    }
  });
  });

  describe('the api around the console', () => {
    it('serves the console for page paths, and leaves the API paths as they were', async () => {
      const html = { accept: 'text/html,application/xhtml+xml' };
      const page = await fetch(`${hub.url}/discrepancies/00000000-0000-4000-8000-000000000000`, { headers: html });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('<div id="root">');
      const root = await fetch(`${hub.url}/`);
      expect(root.status).toBe(200);

      const unknownApi = await fetch(`${hub.url}/v1/no-such-thing`, { headers: html });
      expect(unknownApi.status).toBe(404);
      expect(unknownApi.headers.get('content-type')).toContain('application/problem+json');
      const json = await fetch(`${hub.url}/some/page`, { headers: { accept: 'application/json' } });
      expect(json.status).toBe(404);
      expect(json.headers.get('content-type')).toContain('application/problem+json');
      expect((await fetch(`${hub.url}/health/live`, { headers: html })).headers.get('content-type')).toContain('application/json');
      expect((await fetch(`${hub.url}/docs/openapi.json`)).status).toBe(200);
      // /metrics is the api's too, and closed without METRICS_TOKEN (not the console's page).
      expect((await fetch(`${hub.url}/metrics`, { headers: html })).status).toBe(401);
    });

    it('serves hashed assets for a year and compressed to browsers that accept it', async () => {
      const index = await (await fetch(`${hub.url}/`)).text();
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(index)![1];
      const res = await fetch(hub.url + script, { headers: { 'accept-encoding': 'br' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('immutable');
      expect(res.headers.get('content-encoding')).toBe('br');
    });

    it('serves the icon browsers ask for at /favicon.ico', async () => {
      const icon = await fetch(`${hub.url}/favicon.ico`);
      expect(icon.status).toBe(200);
      expect(icon.headers.get('content-type')).toMatch(/icon/);
      expect((await icon.arrayBuffer()).byteLength).toBeGreaterThan(0);
    });
  });

  async function token(username: string): Promise<string> {
    const res = await fetch(`${hub.url}/v1/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }),
    });
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  async function receipts(client: TestClient, after: string): Promise<{ type: string; detail: Record<string, unknown> }[]> {
    const res = await send(hub.url, client, 'GET', `/v1/exchange/receipts?after=${after}&limit=1000`);
    expect(res.status).toBe(200);
    return (await res.json()).items;
  }
});

interface Listed {
  id: string;
  townshipCode: string;
  regionCode: string;
  overdue: boolean;
}

/** A village's name as the console lists it (without the committee suffix). */
function villageName(code: string): string {
  const village = xichong.townships.flatMap((t) => t.villages).find((v) => v.code === code)!;
  return village.name.replace(/(村民委员会|居民委员会|居委会)$/, '');
}

const KIND_LABELS: Record<string, string> = { 'marital-status-conflict': '婚姻状况不符', 'moved-out-still-registered': '已迁出仍在册' };
function kindLabel(kind: string): string {
  return KIND_LABELS[kind];
}
