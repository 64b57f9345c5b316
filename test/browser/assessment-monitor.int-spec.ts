import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Workbook } from 'exceljs';
import { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { RecordKind } from '@sanxian/contracts';
import type { AssessmentPlan } from '@sanxian/domain';
import { AssessmentRepository, IndicatorRepository, StaffRepository } from '@sanxian/persistence';
import { ReconciliationService } from '@sanxian/reconciliation';
import { generateCounty } from '@sanxian/synth';
import { simulateAssessorInputs } from '../../apps/cli/src/demo-assessors';
import { Hub, TestClient, send, startHub, waitFor, waitUntilProcessed } from '../support/hub-harness';
import { hukouChange } from '../support/record-factory';
import {
  ALLOWED_LATIN, PHONE, SCREENS, assertBrowserTestsCanRun, contextAt, englishWords, launchChromium, layoutProblems, newContext, screenshot, screenshotViewport,
  settled, signIn, startAt, expectText, closeBrowserSuite,
} from './browser-harness';
import { pushCounty } from '../support/county-push';
import { sheetRanking } from '../support/scoreboard-workbook';

/**
 * The scoreboard and the exchange monitor in Debian's Chromium, against the real api and worker:
 * a synthetic county's 2026 (up to yesterday) replayed through the signed exchange API day by day
 * (each request received at its signed time, as the demo does), reconciled, the shipped 2026 plan
 * published over HTTP, the indicators computed and the assessors' entries made. A county user
 * ranks, drills down from a township's score to the records behind one indicator and downloads
 * the workbook; the monitor's counts are the log's; an administrator replays a dead message.
 *
 * The suite's "today" is pinned, not read from the wall clock, so it runs on any day, the same:
 * the county is the plan's year up to the day before, the hub reconciles and computes as of that
 * day (RECONCILE_AS_OF), and each browser context's clock starts on it (Playwright's clock).
 */

const PASSWORD = 'browser-assessment-password';
const PLAN = JSON.parse(readFileSync(join(__dirname, '../../libs/domain/data/plans/511325-2026.json'), 'utf8')) as AssessmentPlan;
const YEAR = PLAN.year;
const DAY = 86_400_000;
/** The pinned day (China): most of the plan's year is behind it, so every line has records to score; and it is past. */
const TODAY = `${YEAR}-12-01`;
const YESTERDAY = new Date(Date.parse(TODAY) - DAY).toISOString().slice(0, 10);
/** The plan's year so far, as the demo scores it. */
const AS_OF = YESTERDAY;
/** The browsers' clock: noon of the pinned day in China, running on from there. */
const BROWSER_TIME = new Date(`${TODAY}T12:00:00+08:00`);
/** Rows per page of the records table (the console's page size). */
const RECORDS_PAGE = 20;
/** A village whose facts the database is made to refuse, so that a message sent from it dies. */
const DOOMED_VILLAGE = '511325232203';

describe('the scoreboard and the exchange monitor in a browser', () => {
  let hub: Hub;
  let browser: Browser;
  let dir: string;
  const clients = {} as Record<RecordKind, TestClient>;
  const users = {} as Record<'county' | 'admin' | 'health', { id: string; username: string; token: string }>;

  beforeAll(async () => {
    assertBrowserTestsCanRun();
    dir = mkdtempSync(join(tmpdir(), 'sanxian-browser-assessment-'));
    const county = join(dir, 'county');
    // A few more records that break the contract than usual, so that the monitor has refusals to explain.
    const manifest = await generateCounty({ county: PLAN.county.code, people: 6000, seed: 'scoreboard', year: YEAR, asOf: AS_OF, out: county, rates: { invalid: 0.03 } });
    console.log(`synthetic county for ${YEAR} up to ${AS_OF}: ${Object.entries(manifest.records).map(([kind, r]) => `${r.lines} ${kind} (${r.invalid} invalid)`).join(', ')}`);
    // Replaying the year: each request is received at the time it is signed (never in production).
    hub = await startHub({ worker: true, env: { REPLAY_RECEIPT_TIMES: 'true', RECONCILE_AS_OF: AS_OF } });
    const pushed = await pushCounty(hub, county, { batchSize: 2000, replayFeeds: true });
    Object.assign(clients, pushed.clients);
    const accepted = pushed.accepted;
    await waitUntilProcessed(hub, accepted, 300_000);
    await waitFor('the refusals kept', async () => (await hub.sql(`SELECT count(*)::int AS n FROM intake_rejection`))[0].n > 0 || undefined, 30_000);
    await hub.worker!.get(ReconciliationService).run({ trigger: 'on-demand', asOf: AS_OF });

    const staff = hub.api.get(StaffRepository);
    for (const [key, role, region] of [['county', 'county', null], ['admin', 'admin', null], ['health', 'department', 'health']] as const) {
      const user = await staff.create(`${key}-sb`, PASSWORD, role, region);
      users[key] = { id: user.id, username: `${key}-sb`, token: await token(`${key}-sb`) };
    }
    // The year's plan, published and computed over HTTP; what assessors enter (grades, spot checks) simulated as the demo does.
    await expectStatus(call('county', 'POST', '/v1/plans', PLAN), 201);
    await expectStatus(call('county', 'POST', '/v1/indicators/compute', { year: YEAR, asOf: AS_OF }), 200);
    for (const input of simulateAssessorInputs(PLAN, county, 'scoreboard')) {
      await hub.api.get(AssessmentRepository).addInput(PLAN.id, YEAR, input.type, input.unitId, input.body, users.county.id);
    }
    browser = await launchChromium();
  }, 600_000);

  afterAll(() => closeBrowserSuite(browser, hub, dir));

  function call(user: keyof typeof users, method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(hub.url + path, {
      method,
      headers: { authorization: `Bearer ${users[user].token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
  async function get(user: keyof typeof users, path: string): Promise<any> {
    return expectStatus(call(user, 'GET', path), 200);
  }
  async function token(username: string): Promise<string> {
    const res = await fetch(`${hub.url}/v1/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }),
    });
    return ((await res.json()) as { accessToken: string }).accessToken;
  }

  describe('a county user on the scoreboard', () => {
    let context: BrowserContext;
    let page: Page;
    let board: any;
    /** The county's lines as the console shows them, the villages' groups left to their own page. */
    let shown: any;

    beforeAll(async () => {
      context = await pinned(newContext(browser));
      page = await context.newPage();
      board = await get('county', `/v1/scoreboard?year=${YEAR}`);
      shown = countyLines(board);
    });
    afterAll(() => context?.close());

    it('opens the scoreboard: each line ranked, with the tier and any veto in words', async () => {
      await signIn(page, hub.url, users.county.username, PASSWORD);
      await page.getByRole('heading', { name: '差异工作台' }).waitFor();
      const menu = await page.getByRole('navigation').getByRole('menuitem').allInnerTexts();
      expect(menu.map((m) => m.trim())).toEqual(['差异工作台', '逾期协查', '匹配复核', '考核计分', '交换监控', '奖惩台账']);
      await page.getByRole('navigation').getByRole('link', { name: '考核计分' }).click();
      await page.getByRole('heading', { name: '考核计分' }).waitFor();
      await page.getByText('试算结果（尚未发布，可能变动）').waitFor();

      for (const line of shown.lines) {
        const card = page.getByTestId(`scoreboard-line-${line.line}`);
        await card.locator('.ant-table-row').first().waitFor();
        // Group by group, best rank first: the API's order.
        const keys = await card.locator('.ant-table-row[data-row-key]').evaluateAll((rows) => rows.map((r) => (r as unknown as { getAttribute(n: string): string }).getAttribute('data-row-key')));
        const expected = line.groups.flatMap((g: any) => line.units.filter((u: any) => u.group === g.id).sort((a: any, b: any) => a.rank - b.rank).map((u: any) => u.unitId));
        expect(keys).toEqual(expected);
        for (const unit of line.units.slice(0, 8)) {
          const row = card.locator(`.ant-table-row[data-row-key="${unit.unitId}"]`);
          expect(await row.locator('.ant-tag').first().innerText()).toBe(unit.outcome.name.zh);
          const veto = await row.getByTestId('veto').count();
          expect([unit.unitId, veto]).toEqual([unit.unitId, unit.vetoes.length ? 1 : 0]);
          if (unit.vetoes.length) expect(await row.getByTestId('veto').innerText()).toContain(`一票否决：${unit.vetoes[0].name.zh}`);
        }
      }
      const units = board.lines.flatMap((l: any) => l.units);
      // The plan's outcomes all appear on a year's scoreboard of this size: awards, no award, and a yellow card or veto.
      expect(units.some((u: any) => u.outcome.kind === 'award')).toBe(true);
      await screenshot(page, '15-scoreboard');
    });

    it("drills down from a township's score to the records behind one indicator", async () => {
      // The township whose births (or, failing that, whose indicator with the most records) stand on the most records.
      const values = await hub.api.get(IndicatorRepository).values(PLAN.id, YEAR);
      const townships = new Set(shown.lines[0].units.map((u: any) => u.unitId));
      const candidates = values.filter((v) => townships.has(v.unitId) && v.checkId === '' && v.evidence.length > 0).sort((a, b) => b.evidence.length - a.evidence.length);
      const pick = candidates.filter((v) => v.indicatorId === 'births-vs-control')[0] ?? candidates[0];
      expect(pick).toBeDefined();
      const unit = shown.lines[0].units.find((u: any) => u.unitId === pick.unitId);

      // Afresh, whatever the test before left on the page.
      await startAt(page, hub.url, `/scoreboard?year=${YEAR}`, users.county.username, PASSWORD);
      await page.getByTestId('scoreboard-line-party-government').locator('.ant-table-row').first().waitFor();
      await page.getByTestId('scoreboard-line-party-government').getByRole('link', { name: `查看${unit.name.zh}的得分明细` }).click();
      await page.waitForURL(new RegExp(`/scoreboard/units/${unit.unitId}\\?year=${YEAR}$`));
      await page.getByRole('heading', { name: unit.name.zh }).waitFor();
      await page.getByTestId('breakdown-table').locator('.ant-table-row').first().waitFor();
      await page.locator('[data-testid="unit-chart"] svg').waitFor();
      expect(await page.getByTestId('unit-summary').innerText()).toContain(formatted(unit.score));
      const detail = await get('county', `/v1/scoreboard/units/${unit.unitId}?year=${YEAR}`);
      const node = indicatorNode(detail, pick.indicatorId);
      expect(node.facts.evidenceCount).toBe(pick.evidence.length);
      await screenshot(page, '16-scoreboard-unit');

      // The indicator's value is the link to the records behind it.
      const value = page.getByTestId(`value-${node.key}`);
      expect(await value.innerText()).toBe(formatted(node.facts.value));
      await value.click();
      await page.waitForURL(new RegExp(`/scoreboard/units/${unit.unitId}/indicators/${pick.indicatorId}\\?year=${YEAR}$`));
      const first = await get('county', `/v1/scoreboard/units/${unit.unitId}/indicators/${pick.indicatorId}/records?year=${YEAR}&limit=${RECORDS_PAGE}`);
      await expectText(page.getByTestId('records-total'), String(first.total));
      expect(first.total).toBe(node.facts.evidenceCount);
      expect(await rowKeys(page.getByTestId('records-table'))).toEqual(first.items.map((r: any) => r.evidenceId));
      // Citizen ids are masked on screen as in the API.
      expect(await page.getByTestId('records-table').innerText()).not.toMatch(/\b\d{17}[\dX]\b/);
      await screenshot(page, '17-scoreboard-records');
      await page.getByRole('link', { name: '回到得分明细' }).click();
      await page.getByTestId('breakdown-table').locator('.ant-table-row').first().waitFor();
    });

    it("pages through the records behind a department's timeliness", async () => {
      const department = board.lines.find((l: any) => l.line === 'department').units.find((u: any) => u.unitId === 'public-security');
      await startAt(page, hub.url, `/scoreboard?year=${YEAR}`, users.county.username, PASSWORD);
      await page.getByTestId('scoreboard-line-department').getByRole('link', { name: `查看${department.name.zh}的得分明细` }).click();
      await page.getByTestId('breakdown-table').locator('.ant-table-row').first().waitFor();
      const node = indicatorNode(await get('county', `/v1/scoreboard/units/public-security?year=${YEAR}`), 'notification-timeliness');
      expect(node.facts.evidenceCount).toBeGreaterThan(RECORDS_PAGE);
      await page.getByTestId(`value-${node.key}`).click();
      const records = `/v1/scoreboard/units/public-security/indicators/notification-timeliness/records?year=${YEAR}&limit=${RECORDS_PAGE}`;
      const first = await get('county', records);
      const second = await get('county', `${records}&cursor=${first.nextCursor}`);
      await expectText(page.getByTestId('records-total'), formatted(first.total));
      await waitFor('the first page', async () => same(await rowKeys(page.getByTestId('records-table')), first.items.map((r: any) => r.evidenceId)) || undefined);
      // The records page has one table, so one pagination.
      await page.locator('.ant-pagination-item-2').click();
      await waitFor('the second page', async () => same(await rowKeys(page.getByTestId('records-table')), second.items.map((r: any) => r.evidenceId)) || undefined);
      // Late records (over 30 days) say so.
      const late = [...first.items, ...second.items].filter((r: any) => r.daysToReceipt > 30);
      if (second.items.some((r: any) => r.daysToReceipt > 30)) await page.getByTestId('records-table').getByText('迟报').first().waitFor();
      expect(late.length).toBeGreaterThanOrEqual(0);
    });

    it('downloads the workbook, whose scores are the API\'s, and a line as CSV', async () => {
      await startAt(page, hub.url, `/scoreboard?year=${YEAR}`, users.county.username, PASSWORD);
      await page.getByTestId('scoreboard-line-party-government').locator('.ant-table-row').first().waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载 Excel 工作簿' }).click()]);
      expect(download.suggestedFilename()).toBe(`scoreboard-${PLAN.id}-v${PLAN.version}.xlsx`);
      const file = join(dir, download.suggestedFilename());
      await download.saveAs(file);
      await page.getByText(`已下载 ${download.suggestedFilename()}`).waitFor();

      const workbook = new Workbook();
      await workbook.xlsx.readFile(file);
      // Each unit's total score and rank, as the API gives them.
      for (const line of board.lines) {
        expect(sheetRanking(workbook, line.name.zh)).toEqual(line.units.map((u: any) => [u.unitId, u.rank, u.score]));
      }

      // The cover sheet: China time, and each tie-break that decided an award, as the API states it.
      const about: [string, string][] = [];
      workbook.getWorksheet('说明 About')!.eachRow((row) => about.push([String(row.getCell(1).value), String(row.getCell(2).value)]));
      expect(about.find(([k]) => k === '生成时间 generated')?.[1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} 北京时间 \(UTC\+8\)$/);
      const ties = board.lines.flatMap((l: any) => l.groups.flatMap((g: any) => (g.tieBreaks ?? []).map((t: any) => t.text.zh)));
      expect(about.filter(([k]) => k.startsWith('并列处理')).map(([, v]) => v)).toEqual(ties);

      const card = page.getByTestId('scoreboard-line-department');
      const [csv] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: /下载部门线排名 CSV/ }).click()]);
      expect(csv.suggestedFilename()).toBe(`scoreboard-${PLAN.id}-v${PLAN.version}-department.csv`);
      const bytes = readFileSync(await csv.path());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const lines = bytes.subarray(3).toString('utf8').split('\r\n').filter(Boolean);
      expect(lines).toHaveLength(1 + board.lines.find((l: any) => l.line === 'department').units.length);
    });
  });

  describe.each(SCREENS)('the scoreboard on %s', (_screen, viewport) => {
    const size = `${viewport.width}x${viewport.height}`;
    let context: BrowserContext;
    let page: Page;
    let board: any;

    beforeAll(async () => {
      context = await pinned(contextAt(browser, viewport));
      page = await context.newPage();
      board = countyLines(await get('county', `/v1/scoreboard?year=${YEAR}`));
    });
    afterAll(() => context?.close());

    it('ranks each line in a layout that fits the screen, with a chart whose every unit is named, and says how ties were broken', async () => {
      await startAt(page, hub.url, `/scoreboard?year=${YEAR}`, users.county.username, PASSWORD);
      await page.getByText('试算结果（尚未发布，可能变动）').waitFor();
      for (const line of board.lines) {
        const card = page.getByTestId(`scoreboard-line-${line.line}`);
        await card.locator('.ant-table-row, [data-testid="scoreboard-cards"] li').first().waitFor();
        // Every unit's name is drawn in its chart, one per bar (none skipped or rotated into each other).
        const chart = page.getByTestId(`scoreboard-chart-${line.line}`);
        await chart.locator('svg').waitFor();
        const labels = await chart.locator('svg text').allTextContents();
        const missing = line.units.filter((u: any) => !labels.some((l) => l.length > 1 && u.name.zh.startsWith(l.replace(/\.\.\.$|…$/, ''))));
        expect([line.line, missing.map((u: any) => u.name.zh)]).toEqual([line.line, []]);
        // Where a tier's quota split equal scores, the tie-break that decided is stated, as the API gives it.
        const applied = line.groups.flatMap((g: any) => g.tieBreaks ?? []);
        expect(await card.getByTestId('tie-break').count()).toBe(applied.length);
        for (const tie of applied) await card.getByText(tie.text.zh).waitFor();
        expect(line.groups.every((g: any) => typeof g.tieBreakRule?.zh === 'string')).toBe(true);
      }
      console.log(`tie-breaks stated at ${size}: ${board.lines.flatMap((l: any) => l.groups.flatMap((g: any) => (g.tieBreaks ?? []).map((t: any) => t.text.zh))).join(' | ') || 'none this year'}`);
      if (viewport === PHONE) {
        expect(await page.locator('main .ant-table').count()).toBe(0);
        expect(await page.getByTestId('scoreboard-cards').count()).toBeGreaterThan(0);
      }
      expect(await layoutProblems(page)).toEqual([]);
      await screenshotViewport(page, `40-scoreboard-fold-${size}`);
      await screenshot(page, `40-scoreboard-${size}`);
    });

    it("shows a unit's breakdown that fits the screen, in Chinese", async () => {
      const unit = board.lines[0].units[0];
      await startAt(page, hub.url, `/scoreboard/units/${unit.unitId}?year=${YEAR}`, users.county.username, PASSWORD);
      await page.getByRole('heading', { name: unit.name.zh }).waitFor();
      await page.locator('[data-testid="unit-chart"] svg').waitFor();
      await page.getByTestId('breakdown-table').locator('.ant-table-row').first().waitFor();
      expect(await layoutProblems(page)).toEqual([]);
      expect(await englishWords(page, ALLOWED_LATIN)).toEqual([]);
      await screenshotViewport(page, `41-scoreboard-unit-fold-${size}`);
      await screenshot(page, `41-scoreboard-unit-${size}`);
    });
  });

  describe('the Chinese interface', () => {
    it('has no English words on the scoreboard, the breakdowns, the records and the monitor', async () => {
      const context = await pinned(newContext(browser));
      const page = await context.newPage();
      const found: Record<string, string[]> = {};
      try {
        const board = await get('county', `/v1/scoreboard?year=${YEAR}`);
        // A unit of each line, the ones with the most notes first (the engine's notes are English sentences).
        const units = board.lines.map((l: any) => l.units[l.units.length - 1]);
        const paths = [
          `/scoreboard?year=${YEAR}`, ...units.map((u: any) => `/scoreboard/units/${u.unitId}?year=${YEAR}`),
          `/scoreboard/units/public-security/indicators/notification-timeliness?year=${YEAR}`, `/monitor?from=${YEAR}-01-01&to=${TODAY}`,
        ];
        for (const path of paths) {
          await startAt(page, hub.url, path, users.county.username, PASSWORD);
          await page.locator('main h2').first().waitFor();
          await page.waitForLoadState('networkidle');
          if (path.includes('/indicators/')) await page.getByTestId('records-table').locator('.ant-table-row').first().waitFor();
          else await page.locator('main svg').first().waitFor();
          found[path] = await englishWords(page, ALLOWED_LATIN);
        }
      } finally {
        await context.close();
      }
      expect(Object.entries(found).filter(([, words]) => words.length > 0)).toEqual([]);
    });
  });

  describe('the exchange monitor', () => {
    const from = `${YEAR}-01-01`;

    /** What the monitor must show for one agency in the period, counted straight from the tables. */
    async function sqlCounts(agency: string) {
      const [row] = await hub.sql(
        `SELECT
           (SELECT count(*) FROM inbound_message m JOIN exchange_client c ON c.id = m.client_id
              WHERE c.agency = $1 AND (m.received_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $2 AND $3)::int AS received,
           (SELECT count(*) FROM inbound_message m JOIN exchange_client c ON c.id = m.client_id
              WHERE c.agency = $1 AND (m.received_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $2 AND $3
                AND (m.received_at AT TIME ZONE 'Asia/Shanghai')::date - m.event_date > 30)::int AS late,
           (SELECT count(*) FROM intake_rejection r JOIN exchange_client c ON c.id = r.client_id
              WHERE c.agency = $1 AND (r.received_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $2 AND $3)::int AS rejected,
           (SELECT count(*) FROM message_state m JOIN exchange_client c ON c.id = m.client_id WHERE c.agency = $1 AND m.state = 'dead')::int AS dead`,
        [agency, from, TODAY],
      );
      return row as { received: number; late: number; rejected: number; dead: number };
    }

    async function shownCounts(page: Page, agency: string) {
      const row = page.getByTestId('monitor-agencies').locator(`.ant-table-row[data-row-key="${agency}"]`);
      const cell = async (col: string) => Number((await row.locator(`[data-col="${col}"]`).innerText()).replace(/\D/g, ''));
      return { received: await cell('received'), late: await cell('late'), rejected: await cell('rejected'), dead: await cell('dead') };
    }

    it('shows per-agency counts equal to the log\'s, with trend charts, to county staff', async () => {
      const context = await pinned(newContext(browser));
      const page = await context.newPage();
      try {
        await signIn(page, hub.url, users.county.username, PASSWORD);
        const [opened] = await Promise.all([
          page.waitForRequest((request) => request.url().includes('/v1/exchange/monitor?')),
          page.getByRole('navigation').getByRole('link', { name: '交换监控' }).click(),
        ]);
        // The browser's today is the pinned day: the monitor opens on the 30 days up to it.
        expect(new URL(opened.url()).searchParams.get('to')).toBe(TODAY);
        await page.getByRole('heading', { name: '交换监控' }).waitFor();
        await page.getByTestId('monitor-agencies').locator('.ant-table-row').first().waitFor();
        // The year so far (the feeds were replayed from January).
        await page.goto(`${hub.url}/monitor?from=${from}&to=${TODAY}`);
        await page.getByTestId('monitor-agencies').locator('.ant-table-row').first().waitFor();
        await page.locator('[data-testid="chart-received"] svg').waitFor();
        await page.locator('[data-testid="chart-late"] svg').waitFor();
        await page.locator('[data-testid="chart-rejected"] svg').waitFor();
        let rejected = 0;
        for (const agency of ['public-security', 'civil-affairs', 'health', 'family-planning']) {
          const expected = await sqlCounts(agency);
          await waitFor(`${agency}'s counts`, async () => JSON.stringify(await shownCounts(page, agency)) === JSON.stringify(expected) || undefined, 10_000)
            .catch(async () => expect([agency, await shownCounts(page, agency)]).toEqual([agency, expected]));
          rejected += expected.rejected;
        }
        expect(rejected).toBeGreaterThan(0);
        // The refusals with their reasons; nothing dead; not an administrator, so no replay.
        await page.getByTestId('monitor-reasons').locator('.ant-table-row').first().waitFor();
        expect(await page.getByText('没有处理失败的消息。').count()).toBe(1);
        expect(await page.getByRole('button', { name: '全部重新处理' }).count()).toBe(0);
        await screenshot(page, '18-monitor');

        // One agency: its stations by the names the plan gives them.
        await page.getByRole('combobox', { name: '报送部门' }).focus();
        await page.keyboard.press('ArrowDown');
        await (await settled(page.locator('.ant-select-item-option[title="公安"]'))).click();
        await page.waitForURL(/agency=public-security/);
        await waitFor('public security alone', async () => same(await rowKeys(page.getByTestId('monitor-agencies')), ['public-security']) || undefined, 10_000);
        await page.getByTestId('monitor-stations').getByText(/西充县公安局.+派出所/).first().waitFor();
        expect(await shownCounts(page, 'public-security')).toEqual(await sqlCounts('public-security'));
      } finally {
        await context.close();
      }
    });

    it('shows a department liaison their own agency only', async () => {
      const context = await pinned(newContext(browser));
      const page = await context.newPage();
      try {
        await signIn(page, hub.url, users.health.username, PASSWORD);
        await page.waitForURL(/\/scoreboard$/);
        await page.getByRole('heading', { name: '考核计分' }).waitFor();
        expect(await page.getByRole('navigation').getByRole('menuitem').allInnerTexts()).toEqual(['考核计分', '交换监控']);
        await page.goto(`${hub.url}/monitor?from=${from}&to=${TODAY}`);
        await page.getByTestId('monitor-agencies').locator('.ant-table-row').first().waitFor();
        const keys = await rowKeys(page.getByTestId('monitor-agencies'));
        expect(keys).toEqual(['health']);
        expect(await shownCounts(page, 'health')).toEqual(await sqlCounts('health'));
        await page.getByText('（您只能查看本部门）').waitFor();
        // And in English.
        await page.getByText('English', { exact: true }).click();
        await page.getByRole('heading', { name: 'Exchange monitor' }).waitFor();
        await page.getByText('Records received per day').waitFor();
        await screenshot(page, '21-monitor-english');
      } finally {
        await context.close();
      }
    });

    it('lets an administrator replay a dead message, which is then processed', async () => {
      // The worker's real failure path: the database refuses the message's facts on every attempt, and it dies.
      await hub.sql(`CREATE FUNCTION refuse_fact() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`);
      await hub.sql(`CREATE TRIGGER refuse_fact BEFORE INSERT ON canonical_fact FOR EACH ROW WHEN (NEW.region_code = '${DOOMED_VILLAGE}') EXECUTE FUNCTION refuse_fact()`);
      const record = hukouChange(1, 77, { recordId: 'HK-DEAD-1', eventDate: YESTERDAY, regionCode: DOOMED_VILLAGE });
      const res = await send(hub.url, clients['hukou-change'], 'POST', '/v1/exchange/hukou-changes', { records: [record] });
      expect(res.status).toBe(202);
      const [{ id: messageId }] = (await res.json()).results.map((r: any) => ({ id: r.messageId }));
      await waitFor('the message dead', async () => (await hub.sql(`SELECT state FROM message_state WHERE id = $1`, [messageId]))[0].state === 'dead' || undefined);

      const context = await pinned(newContext(browser));
      const page = await context.newPage();
      try {
        await signIn(page, hub.url, users.admin.username, PASSWORD);
        await page.getByRole('navigation').getByRole('link', { name: '交换监控' }).click();
        const dead = page.getByTestId('dead-messages');
        const row = dead.locator(`.ant-table-row[data-row-key="${messageId}"]`);
        await row.waitFor();
        expect(await row.innerText()).toContain('HK-DEAD-1');
        expect(await row.innerText()).toContain('disk on fire');
        expect(await shownCounts(page, 'public-security')).toMatchObject({ dead: 1 });
        await screenshot(page, '19-monitor-dead');

        // The fault fixed, the message goes again.
        await hub.sql(`DROP TRIGGER refuse_fact ON canonical_fact`);
        await row.locator('.ant-checkbox-input').check();
        await dead.getByRole('button', { name: '重新处理所选' }).click();
        await page.getByText('已提交重新处理：1 条消息（1 批）。').waitFor();
        await waitFor('the replayed message processed', async () => (await hub.sql(`SELECT state FROM message_state WHERE id = $1`, [messageId]))[0].state === 'processed' || undefined);
        await dead.getByText('没有处理失败的消息。').waitFor({ timeout: 15_000 });
        await screenshot(page, '20-monitor-replayed');
        const [fact] = await hub.sql(`SELECT count(*)::int AS n FROM canonical_fact WHERE message_id = $1`, [messageId]);
        expect(fact.n).toBeGreaterThan(0);
        const audit = await hub.sql(`SELECT user_id, action, target FROM audit_log WHERE action = 'dead.replay'`);
        expect(audit).toEqual([{ user_id: users.admin.id, action: 'dead.replay', target: messageId }]);
      } finally {
        await context.close();
      }
    });
  });
});


/** A browser context whose clock starts at the pinned time (and runs on): the console's "today" is the suite's. */
/** The scoreboard's county lines as the console shows them by default: a township's villages are ranked on their own page (?villages=). */
function countyLines(board: any): any {
  return {
    ...board,
    lines: board.lines.map((l: any) => {
      const groups = l.groups.filter((g: any) => !g.parent);
      const kept = new Set(groups.map((g: any) => g.id));
      return { ...l, groups, units: l.units.filter((u: any) => kept.has(u.group)) };
    }),
  };
}

async function pinned(context: Promise<BrowserContext>): Promise<BrowserContext> {
  const opened = await context;
  await opened.clock.install({ time: BROWSER_TIME });
  return opened;
}

async function expectStatus(response: Promise<Response>, status: number): Promise<any> {
  const res = await response;
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text.slice(0, 1000)}`);
  return text ? JSON.parse(text) : undefined;
}

const formatted = (n: number) => new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 2 }).format(n);
const same = (a: string[], b: string[]) => JSON.stringify(a) === JSON.stringify(b);

/** A unit's year-end node of one indicator, from the API's breakdown. */
function indicatorNode(detail: any, indicatorId: string): any {
  return findNode(detail.unit.breakdown, (n) => n.key.split('/').length === 3 && n.key.startsWith('year-end/') && n.key.endsWith(`/${indicatorId}`));
}

function findNode(node: any, match: (n: any) => boolean): any {
  if (match(node)) return node;
  for (const child of node.children ?? []) {
    const found = findNode(child, match);
    if (found) return found;
  }
  return undefined;
}

async function rowKeys(table: Locator): Promise<string[]> {
  return table.locator('.ant-table-row[data-row-key]').evaluateAll((rows) => rows.map((r) => (r as unknown as { getAttribute(n: string): string }).getAttribute('data-row-key')));
}
