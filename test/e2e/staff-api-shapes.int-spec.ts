import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  BreakdownView, DiscrepancyCounts, DiscrepancyDetail, DiscrepancyItem, EvidencePage, LinkReviewDetail, LinkReviewItem, Me, Monitor,
  MonitorCounts, Page, Scoreboard, ScoreboardEntry, ScoreboardGroup, StaffEntry, StaffUser, TokenResponse, UnitBreakdown,
} from '@sanxian/api-types';
import type { AssessmentPlan } from '@sanxian/domain';
import { StaffRepository } from '@sanxian/persistence';
import { ReconciliationService } from '@sanxian/reconciliation';
import { generateCounty } from '@sanxian/synth';
import { pushCounty } from '../support/county-push';
import { Hub, send, startHub, waitUntilProcessed } from '../support/hub-harness';
import { birthNotice, citizenId, registryCard } from '../support/record-factory';
import { expectJson, keysOf } from '../support/staff-api';

/**
 * The staff API answers with exactly the keys of its shared types (libs/api-types), which the
 * console compiles against: a key the server adds, drops or renames fails here. Each list is
 * checked against its type both ways at compile time (`keysOf`), so it cannot fall behind the type.
 */

/** The keys a type may leave out, and those it may not: both lists checked against the type, so that a JSON object can be checked against both. */
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
type RequiredKeys<T> = Exclude<keyof T, OptionalKeys<T>>;
type Covers<U, K extends readonly PropertyKey[]> = [Exclude<U, K[number]>] extends [never] ? K : { missing: Exclude<U, K[number]> };
const shapeOf = <T>() => <const R extends readonly RequiredKeys<T>[], const O extends readonly OptionalKeys<T>[] = []>(required: Covers<RequiredKeys<T>, R>, optional?: Covers<OptionalKeys<T>, O>) => ({
  required: (required as readonly PropertyKey[]).map(String),
  optional: ((optional ?? []) as readonly PropertyKey[]).map(String),
});
type Shape = ReturnType<ReturnType<typeof shapeOf>>;

/** The keys of `value` that the shape does not know, and the required ones it lacks (both empty when it fits). */
function misfit(value: object, shape: Shape): { unknown: string[]; lacking: string[] } {
  const known = new Set([...shape.required, ...shape.optional]);
  return { unknown: Object.keys(value).filter((k) => !known.has(k)).sort(), lacking: shape.required.filter((k) => !(k in value)).sort() };
}
const FITS = { unknown: [], lacking: [] };

const KEYS = {
  token: keysOf<TokenResponse>()(['accessToken', 'tokenType', 'expiresAt', 'user']),
  user: keysOf<StaffUser>()(['username', 'role', 'regionCode']),
  me: keysOf<Me>()(['userId', 'username', 'role', 'regionCode', 'scope']),
  staffEntry: keysOf<StaffEntry>()(['id', 'username', 'role', 'regionCode']),
  page: keysOf<Page<unknown>>()(['items', 'nextCursor']),
  counts: keysOf<DiscrepancyCounts>()(['byKind', 'byStatus', 'byTownship']),
  monitor: keysOf<Monitor>()(['from', 'to', 'agency', 'lateAfterDays', 'totals', 'agencies', 'days', 'stations', 'rejectionReasons', 'rejections', 'dead', 'bulkLoads']),
  monitorCounts: keysOf<MonitorCounts>()(['received', 'initialLoad', 'late', 'lateShare', 'rejected', 'dead']),
};

const keys = (value: object) => Object.keys(value).sort();

describe('the staff API answers with the shared types', () => {
  let hub: Hub;
  let token: TokenResponse;
  const get = async (path: string) => expectJson(await fetch(hub.url + path, { headers: { authorization: `Bearer ${token.accessToken}` } }), 200);

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    await hub.api.get(StaffRepository).create('shapes-county', 'shapes-test-password', 'county', null);
    token = await expectJson(await fetch(`${hub.url}/v1/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'shapes-county', password: 'shapes-test-password' }),
    }), 200);
  });
  afterAll(() => hub?.close());

  it('signs in with a TokenResponse and a StaffUser', () => {
    expect(keys(token)).toEqual(KEYS.token);
    expect(keys(token.user)).toEqual(KEYS.user);
  });

  it('says who is signed in with a Me', async () => {
    expect(keys(await get('/v1/me'))).toEqual(KEYS.me);
  });

  it('lists staff as StaffEntry items', async () => {
    const directory = await get('/v1/staff');
    expect(keys(directory)).toEqual(['items']);
    expect(directory.items.length).toBeGreaterThan(0);
    for (const entry of directory.items) expect(keys(entry)).toEqual(KEYS.staffEntry);
  });

  it('pages discrepancies and link reviews as a Page', async () => {
    expect(keys(await get('/v1/discrepancies'))).toEqual(KEYS.page);
    expect(keys(await get('/v1/link-reviews'))).toEqual(KEYS.page);
  });

  it('counts discrepancies as DiscrepancyCounts', async () => {
    expect(keys(await get('/v1/discrepancies/counts'))).toEqual(KEYS.counts);
  });

  it('shows the exchange monitor as a Monitor, its counts as MonitorCounts', async () => {
    const monitor = await get('/v1/exchange/monitor');
    expect(keys(monitor)).toEqual(KEYS.monitor);
    expect(keys(monitor.totals)).toEqual(KEYS.monitorCounts);
    for (const agency of monitor.agencies) expect(keys(agency)).toEqual([...KEYS.monitorCounts, 'agency'].sort());
  });
});

describe('the staff API answers about a synthetic county with the shared types', () => {
  const PLAN = JSON.parse(readFileSync(join(__dirname, '../../libs/domain/data/plans/511325-2026.json'), 'utf8')) as AssessmentPlan;
  const AS_OF = `${PLAN.year}-06-30`;
  const SHAPES = {
    discrepancyItem: shapeOf<DiscrepancyItem>()(['id', 'kind', 'status', 'regionCode', 'townshipCode', 'dueAt', 'overdue', 'raisedAt', 'assignee', 'subject', 'cardId']),
    discrepancyDetail: shapeOf<DiscrepancyDetail>()([
      'id', 'kind', 'status', 'regionCode', 'townshipCode', 'dueAt', 'overdue', 'raisedAt', 'assignee', 'subject', 'cardId',
      'subjectKey', 'closedAt', 'agencyValue', 'registryValue', 'evidence', 'card', 'resolution', 'history',
    ]),
    linkReviewItem: shapeOf<LinkReviewItem>()(['id', 'status', 'townshipCode', 'score', 'method', 'candidate', 'record', 'weights']),
    linkReviewDetail: shapeOf<LinkReviewDetail>()([
      'id', 'status', 'townshipCode', 'score', 'method', 'candidate', 'record', 'weights',
      'decision', 'candidates', 'runnerUp', 'review', 'registryPerson', 'discrepancyId',
    ]),
    scoreboard: shapeOf<Scoreboard>()(['year', 'planId', 'planVersion', 'published', 'publishedAt', 'lines']),
    group: shapeOf<ScoreboardGroup>()(['id', 'name'], ['parent', 'tieBreakRule', 'tieBreaks']),
    entry: shapeOf<ScoreboardEntry>()([
      'unitId', 'name', 'kind', 'group', 'rank', 'score', 'quality', 'level', 'yearEnd', 'regular', 'bonus', 'penalty', 'tier', 'outcome', 'vetoes', 'reasons',
    ]),
    unitBreakdown: shapeOf<UnitBreakdown>()(['year', 'planId', 'planVersion', 'published', 'publishedAt', 'unit']),
    unit: shapeOf<UnitBreakdown['unit']>()([
      'unitId', 'name', 'kind', 'group', 'rank', 'score', 'quality', 'level', 'yearEnd', 'regular', 'bonus', 'penalty', 'tier', 'outcome', 'vetoes', 'reasons',
      'line', 'breakdown',
    ]),
    node: shapeOf<BreakdownView>()(['key', 'name', 'score', 'max', 'children'], ['weight', 'factor', 'fraction', 'lost', 'note', 'facts']),
    evidencePage: shapeOf<EvidencePage>()(['year', 'planId', 'planVersion', 'published', 'publishedAt', 'unitId', 'indicatorId', 'total', 'items', 'nextCursor']),
  };
  let hub: Hub;
  let dir: string;
  let token: string;
  const get = async (path: string) => expectJson(await fetch(hub.url + path, { headers: { authorization: `Bearer ${token}` } }), 200);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanxian-shapes-'));
    await generateCounty({ county: PLAN.county.code, people: 1500, seed: 'shapes', year: PLAN.year, asOf: AS_OF, out: dir });
    hub = await startHub({ worker: true });
    const { accepted, clients } = await pushCounty(hub, dir);
    // Twin sisters on two cards and a birth notice naming neither by id: linkage cannot choose, a link review.
    const village = '511325101002';
    const sister = (cardId: string, name: string, serial: number) => registryCard(serial, 9, {
      recordId: `RC-${cardId}`, cardId, eventDate: `${PLAN.year}-01-10`, regionCode: village, children: [], residenceStatus: 'resident', maritalStatus: 'married',
      woman: { citizenId: citizenId('1990-05-01', 'F', serial), name, sex: 'F', birthDate: '1990-05-01', hukouRegionCode: village },
    });
    const notice = birthNotice(903, 9, {
      recordId: 'BN-SHAPES', eventDate: `${PLAN.year}-06-01`, regionCode: village, birthOrder: 1,
      child: { sex: 'M', birthDate: `${PLAN.year}-06-01` }, mother: { name: '王俐', sex: 'F', birthDate: '1990-05-01' },
    });
    await expectJson(await send(hub.url, clients['registry-card'], 'POST', '/v1/exchange/registry-cards', { records: [sister('C-SHAPES-1', '王丽', 901), sister('C-SHAPES-2', '王莉', 902)] }), 202);
    await expectJson(await send(hub.url, clients['birth-notice'], 'POST', '/v1/exchange/birth-notices', { records: [notice] }), 202);
    await waitUntilProcessed(hub, accepted + 3, 300_000);
    await hub.worker!.get(ReconciliationService).run({ trigger: 'on-demand', asOf: AS_OF });
    await hub.api.get(StaffRepository).create('shapes-county', 'shapes-test-password', 'county', null);
    token = (await expectJson(await fetch(`${hub.url}/v1/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'shapes-county', password: 'shapes-test-password' }),
    }), 200)).accessToken;
    const post = async (path: string, body: unknown) =>
      fetch(hub.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/v1/plans', PLAN)).status).toBe(201);
    expect((await post('/v1/indicators/compute', { year: PLAN.year, asOf: AS_OF })).status).toBe(200);
  }, 600_000);
  afterAll(async () => {
    await hub?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists and shows discrepancies as DiscrepancyItem and DiscrepancyDetail', async () => {
    const page = await get('/v1/discrepancies?limit=20');
    expect(page.items.length).toBeGreaterThan(0);
    for (const item of page.items) expect(misfit(item, SHAPES.discrepancyItem)).toEqual(FITS);
    expect(misfit(await get(`/v1/discrepancies/${page.items[0].id}`), SHAPES.discrepancyDetail)).toEqual(FITS);
  });

  it('lists and shows link reviews as LinkReviewItem and LinkReviewDetail', async () => {
    const page = await get('/v1/link-reviews?status=all&limit=20');
    expect(page.items.length).toBeGreaterThan(0);
    for (const item of page.items) expect(misfit(item, SHAPES.linkReviewItem)).toEqual(FITS);
    expect(misfit(await get(`/v1/link-reviews/${page.items[0].id}`), SHAPES.linkReviewDetail)).toEqual(FITS);
  });

  it('ranks units as a Scoreboard of ScoreboardGroup and ScoreboardEntry', async () => {
    const board = await get(`/v1/scoreboard?year=${PLAN.year}`);
    expect(misfit(board, SHAPES.scoreboard)).toEqual(FITS);
    for (const line of board.lines) {
      expect(Object.keys(line).sort()).toEqual(['groups', 'line', 'name', 'units']);
      for (const group of line.groups) expect(misfit(group, SHAPES.group)).toEqual(FITS);
      for (const entry of line.units) expect(misfit(entry, SHAPES.entry)).toEqual(FITS);
    }
  });

  it("breaks a unit's score down as a UnitBreakdown of BreakdownView nodes, and pages its records as an EvidencePage", async () => {
    const board = await get(`/v1/scoreboard?year=${PLAN.year}`);
    const unit = board.lines[0].units[0];
    const breakdown = await get(`/v1/scoreboard/units/${unit.unitId}?year=${PLAN.year}`);
    expect(misfit(breakdown, SHAPES.unitBreakdown)).toEqual(FITS);
    expect(misfit(breakdown.unit, SHAPES.unit)).toEqual(FITS);
    const nodes = (node: any): any[] => [node, ...node.children.flatMap(nodes)];
    for (const node of nodes(breakdown.unit.breakdown)) expect(misfit(node, SHAPES.node)).toEqual(FITS);
    const records = board.lines.flatMap((l: any) => l.units).flatMap((u: any) => u.reasons).find((r: any) => r.records)?.records;
    expect(records).toBeDefined();
    expect(misfit(await get(records), SHAPES.evidencePage)).toEqual(FITS);
  });
});
