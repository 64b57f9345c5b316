import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Workbook } from 'exceljs';
import { ReconciliationService } from '@sanxian/reconciliation';
import { AssessmentRepository, IndicatorRepository, type StoredIndicatorValue } from '@sanxian/persistence';
import type { AssessmentPlan } from '@sanxian/domain';
import { AgencyClients, Hub, TestClient, createAgencyClients, send, startHub, waitFor, waitUntilProcessed } from '../../support/hub-harness';
import { birthNotice, citizenId, hukouChange, marriageRecord, registryCard } from '../../support/record-factory';
import { expectJson, signInStaff, staffCaller } from '../../support/staff-api';
import { sheetRanking } from '../../support/scoreboard-workbook';

/**
 * The assessment over HTTP, on a small county pushed through the signed exchange API: three
 * townships (A 太平镇 511325101, B 大全镇 511325102, C 古楼镇 511325104) with registry cards, birth
 * notices, hukou changes and marriages, some sent late (event 40 days before receipt, over the
 * 30 allowed) and some refused; reconciled; the shipped plan published; indicators computed and
 * compared with counts made by hand below.
 */
const A = '511325101';
const B = '511325102';
const C = '511325104';
const VILLAGE = { [A]: '511325101002', [B]: '511325102202', [C]: '511325104001' } as const;
const PASSWORD = 'assessment-test-password';
const MASKED = /^511325\*{8}\d{3}[\dX]$/;
const DAY = 86_400_000;

// A fixed day of the shipped plan's year, on which every record is received: the hub replays
// receipt times (REPLAY_RECEIPT_TIMES), so an event 40 days before is late, 5 days before on time,
// whatever day the test runs.
const TODAY = '2026-10-15';
const RECEIVED_AT = new Date(`${TODAY}T12:00:00+08:00`);
const daysAgo = (n: number) => new Date(Date.parse(TODAY) - n * DAY).toISOString().slice(0, 10);
const LATE = daysAgo(40);
const YEAR = Number(TODAY.slice(0, 4));
const ON_TIME = daysAgo(5);
const AS_OF = TODAY;
/** A card child born in the year that health never notified: a birth-not-notified discrepancy, and a birth outside the policy. */
const UNNOTIFIED_BIRTH = daysAgo(60);

// Stations by the codes the shipped plan gives them, so that the records carry what the plan counts.
const SHIPPED = JSON.parse(readFileSync(join(__dirname, '../../../libs/domain/data/plans/511325-2026.json'), 'utf8')) as AssessmentPlan;
function station(unitId: string): { code: string; name: string } {
  const unit = SHIPPED.lines.flatMap((l) => l.units).find((u) => u.id === unitId);
  if (!unit?.codes?.length) throw new Error(`the shipped plan has no station ${unitId} with codes`);
  return { code: unit.codes[0], name: unit.name.zh };
}
const STATIONS = {
  police: { [A]: station('public-security.ps-101'), [B]: station('public-security.ps-102'), [C]: station('public-security.ps-104') },
  taipingHc: station('health.hc-101'),
  daquanHc: station('health.hc-102'),
  guloHc: station('health.hc-104'),
  tcmHospital: station('health.hospital-002'),
  marriageOffice: station('civil-affairs.marriage-registry'),
};

const woman = (name: string, birthDate: string, serial: number) => ({ citizenId: citizenId(birthDate, 'F', serial), name, sex: 'F' as const, birthDate });
const man = (name: string, birthDate: string, serial: number) => ({ citizenId: citizenId(birthDate, 'M', serial), name, sex: 'M' as const, birthDate });

type Township = typeof A | typeof B | typeof C;

function card(t: Township, id: string, w: ReturnType<typeof woman>, serial: number, overrides: Record<string, unknown> = {}) {
  return registryCard(serial, 9, { recordId: `RC-${id}`, cardId: id, eventDate: `${YEAR}-01-05`, regionCode: VILLAGE[t], woman: { ...w, hukouRegionCode: VILLAGE[t] }, ...overrides });
}

function notice(id: string, t: Township, sex: 'M' | 'F', date: string, mother: ReturnType<typeof woman>, facility: { code: string; name: string }, serial: number) {
  return birthNotice(serial, 9, {
    recordId: id, eventDate: date, regionCode: VILLAGE[t],
    child: { sex, birthDate: date, name: sex === 'M' ? '李浩然' : '李雨欣', birthCertificateNumber: `N${String(600000000 + serial)}` },
    mother: { ...mother, hukouRegionCode: VILLAGE[t] }, father: man('李建国', '1990-02-02', serial + 50), birthOrder: 1, facility,
  });
}

function hukou(id: string, t: Township, changeType: string, date: string, person: ReturnType<typeof man>, serial: number) {
  return hukouChange(serial, 9, { recordId: id, eventDate: date, regionCode: VILLAGE[t], changeType, person, householdId: `H${serial}`, policeStation: STATIONS.police[t] });
}

function marriage(id: string, t: Township, date: string, serial: number) {
  return marriageRecord(serial, 9, {
    recordId: id, eventDate: date, regionCode: VILLAGE[t], registrationType: 'marriage',
    partyA: { ...man('何军', '1994-03-03', serial), hukouRegionCode: VILLAGE[t] }, partyB: { ...woman('何丽', '1996-04-04', serial + 1), hukouRegionCode: VILLAGE[t] },
    certificateNumber: `J511325-${YEAR}-${serial}`, registrationOffice: STATIONS.marriageOffice,
  });
}

/** The records, and what a person counts from them. */
const RECORDS = {
  cards: [
    card(A, 'C-A-1', woman('周婷', '1991-03-04', 301), 301),
    card(A, 'C-A-2', woman('吴芳', '1992-07-08', 302), 302),
    card(B, 'C-B-1', woman('孙静', '1990-02-03', 303), 303),
    card(B, 'C-B-2', woman('胡秀英', '1989-09-10', 304), 304),
    card(C, 'C-C-1', woman('郭桂兰', '1993-05-06', 305), 305),
    card(C, 'C-C-2', woman('马海燕', '1988-11-12', 306), 306, {
      children: [
        { citizenId: citizenId('2015-06-01', 'M', 306), name: '马明', sex: 'M', birthDate: '2015-06-01', birthOrder: 1, policyCompliant: true },
        { citizenId: citizenId('2018-06-01', 'F', 306), name: '马芳', sex: 'F', birthDate: '2018-06-01', birthOrder: 2, policyCompliant: true },
        { sex: 'F', birthDate: UNNOTIFIED_BIRTH, birthOrder: 3, policyCompliant: false },
      ],
    }),
  ],
  notices: [
    notice('BN-A-1', A, 'M', ON_TIME, woman('林晓燕', '1994-01-11', 401), STATIONS.taipingHc, 401),
    notice('BN-A-2', A, 'M', LATE, woman('林晓红', '1995-02-12', 402), STATIONS.taipingHc, 402),
    notice('BN-A-3', A, 'F', ON_TIME, woman('林晓梅', '1996-03-13', 403), STATIONS.taipingHc, 403),
    notice('BN-B-1', B, 'M', ON_TIME, woman('罗小琴', '1994-04-14', 404), STATIONS.daquanHc, 404),
    notice('BN-B-2', B, 'F', LATE, woman('罗小慧', '1995-05-15', 405), STATIONS.tcmHospital, 405),
    notice('BN-C-1', C, 'M', ON_TIME, woman('高小娟', '1997-06-16', 406), STATIONS.guloHc, 406),
  ],
  hukou: [
    hukou('HK-A-1', A, 'birth-registration', ON_TIME, man('林子涵', ON_TIME, 501), 501),
    hukou('HK-A-2', A, 'move-in', LATE, man('黄志强', '1985-01-01', 502), 502),
    hukou('HK-B-1', B, 'death', ON_TIME, man('赵建国', '1940-01-01', 503), 503),
    hukou('HK-B-2', B, 'move-out', ON_TIME, man('赵伟', '1980-01-01', 504), 504),
    hukou('HK-C-1', C, 'move-in', LATE, man('徐明', '1983-01-01', 505), 505),
  ],
  marriages: [marriage('MR-A-1', A, ON_TIME, 601), marriage('MR-B-1', B, LATE, 603)],
  // Refused at intake (kept for data validity): an unknown change type, a birth order of 0.
  refusedHukou: hukou('HK-A-BAD', A, 'adoption', ON_TIME, man('黄伟', '1986-01-01', 506), 506),
  refusedNotice: { ...notice('BN-A-BAD', A, 'F', ON_TIME, woman('林晓雪', '1997-04-14', 407), STATIONS.taipingHc, 407), birthOrder: 0 },
};

/** Hand counts: what the indicators must be. */
const EXPECTED = {
  births: { [A]: 3, [B]: 2, [C]: 2 } as Record<string, number>, // C: one notice + the unnotified card child
  sexRatio: { [A]: { value: 200, numerator: 2, denominator: 1 }, [B]: { value: 100, numerator: 1, denominator: 1 } } as Record<string, object>,
  timeliness: {
    'public-security': { numerator: 3, denominator: 5, value: 60 },
    'civil-affairs': { numerator: 1, denominator: 2, value: 50 },
    health: { numerator: 4, denominator: 6, value: 66.67 },
    'public-security.ps-101': { numerator: 1, denominator: 2, value: 50 },
    'public-security.ps-102': { numerator: 2, denominator: 2, value: 100 },
    'public-security.ps-104': { numerator: 0, denominator: 1, value: 0 },
    'civil-affairs.marriage-registry': { numerator: 1, denominator: 2, value: 50 },
    'health.hc-101': { numerator: 2, denominator: 3, value: 66.67 },
    'health.hc-102': { numerator: 1, denominator: 1, value: 100 },
    'health.hospital-002': { numerator: 0, denominator: 1, value: 0 },
    'health.hc-104': { numerator: 1, denominator: 1, value: 100 },
  } as Record<string, object>,
  validity: {
    'public-security': { numerator: 5, denominator: 6, value: 83.33 },
    health: { numerator: 6, denominator: 7, value: 85.71 },
    'civil-affairs': { numerator: 2, denominator: 2, value: 100 },
    'public-security.ps-101': { numerator: 2, denominator: 3, value: 66.67 },
    'health.hc-101': { numerator: 3, denominator: 4, value: 75 },
    'public-security.ps-102': { numerator: 2, denominator: 2, value: 100 },
  } as Record<string, object>,
};

function shippedPlan(): AssessmentPlan {
  const plan = structuredClone(SHIPPED);
  if (YEAR === plan.year) return plan;
  return { ...plan, id: `511325-${YEAR}`, year: YEAR, assessmentYear: { ...plan.assessmentYear, from: `${YEAR}-01-01`, to: `${YEAR}-12-31` } };
}

describe('the assessment API', () => {
  let hub: Hub;
  let clients: AgencyClients;
  const users = {} as Record<'admin' | 'county' | 'townA' | 'villageA' | 'inspector' | 'department', { id: string; token: string }>;
  const plan = shippedPlan();
  let messageIds: Record<string, string>;
  let values: StoredIndicatorValue[];

  const call = staffCaller(() => hub, users);
  const json = expectJson;
  const valueOf = (indicatorId: string, unitId: string) => {
    const v = values.find((x) => x.indicatorId === indicatorId && x.unitId === unitId && x.checkId === '');
    if (!v) throw new Error(`no value of ${indicatorId} for ${unitId}`);
    return v;
  };

  beforeAll(async () => {
    hub = await startHub({ worker: true, env: { REPLAY_RECEIPT_TIMES: 'true' } });
    clients = await createAgencyClients(hub);
    await signInStaff(hub, 'as', PASSWORD, [
      ['admin', 'admin', null], ['county', 'county', null], ['townA', 'township', A], ['villageA', 'township', VILLAGE[A]], ['inspector', 'inspector', null], ['department', 'department', null],
    ], users);

    const push = async (client: TestClient, path: string, records: unknown[], rejected = 0) => {
      const body = await json(await send(hub.url, client, 'POST', `/v1/exchange/${path}`, { records }, { now: RECEIVED_AT }), 202);
      expect([path, body.rejected]).toEqual([path, rejected]);
    };
    await push(clients.fp, 'registry-cards', RECORDS.cards);
    await push(clients.health, 'birth-notices', [...RECORDS.notices, RECORDS.refusedNotice], 1);
    await push(clients.police, 'hukou-changes', [...RECORDS.hukou, RECORDS.refusedHukou], 1);
    await push(clients.civil, 'marriage-records', RECORDS.marriages);
    await waitUntilProcessed(hub, RECORDS.cards.length + RECORDS.notices.length + RECORDS.hukou.length + RECORDS.marriages.length);
    // Refusals are kept just after the answer, best effort.
    await waitFor('the refusals kept', async () => (await hub.sql(`SELECT count(*)::int AS n FROM intake_rejection`))[0].n === 2);
    await hub.worker!.get(ReconciliationService).run({ trigger: 'on-demand', asOf: AS_OF });
    messageIds = Object.fromEntries((await hub.sql(`SELECT record_id, id FROM inbound_message`)).map((r) => [r.record_id, r.id]));
  });
  afterAll(() => hub?.close());

  describe('plans', () => {
    it('answers 401 without a token', async () => {
      for (const [method, path] of [['GET', '/v1/plans'], ['POST', '/v1/plans'], ['GET', `/v1/scoreboard?year=${YEAR}`], ['POST', '/v1/indicators/compute'], ['POST', `/v1/assessments/${YEAR}/inputs`]]) {
        const res = await call(null, method, path, method === 'POST' ? {} : undefined);
        expect([method, path, res.status]).toEqual([method, path, 401]);
      }
    });

    it('has none before one is published; the scoreboard says so', async () => {
      expect((await json(await call('county', 'GET', '/v1/plans'), 200)).items).toEqual([]);
      const missing = await json(await call('county', 'GET', `/v1/scoreboard?year=${YEAR}`), 404);
      expect(missing.detail).toContain(`no assessment plan is published for ${YEAR}`);
    });

    it('refuses an invalid plan with a 422 naming each problem, and other roles with a 403', async () => {
      await json(await call('townA', 'POST', '/v1/plans', plan), 403);
      await json(await call('inspector', 'POST', '/v1/plans', plan), 403);
      const broken = structuredClone(plan) as any;
      delete broken.lines[0].weights;
      broken.version = 0;
      const problem = await json(await call('county', 'POST', '/v1/plans', broken), 422);
      expect(problem.problems).toEqual(expect.arrayContaining([expect.stringContaining('/lines/0/weights'), expect.stringContaining('/version')]));
      expect(problem.errors).toEqual(expect.arrayContaining([{ field: 'lines.0.weights', message: 'is missing' }, expect.objectContaining({ field: 'version' })]));
      const inconsistent = structuredClone(plan);
      inconsistent.lines[0].weights = { quality: 0.7, level: 0.7 };
      const second = await json(await call('county', 'POST', '/v1/plans', inconsistent), 422);
      expect(second.problems).toEqual(['lines/party-government: quality and level weights do not sum to 1']);
      await json(await call('county', 'POST', '/v1/plans', [plan]), 400);
    });

    it('publishes the shipped plan once: the same version again is a 409, a new version supersedes', async () => {
      const published = await json(await call('county', 'POST', '/v1/plans', plan), 201);
      expect(published).toMatchObject({ id: plan.id, year: YEAR, version: 1, status: 'published', current: true });
      const again = await json(await call('admin', 'POST', '/v1/plans', plan), 409);
      expect(again.detail).toContain('exists already');

      const v2 = { ...structuredClone(plan), version: 2, supersedes: 1, description: `${plan.description} (v2: wording)` };
      await json(await call('admin', 'POST', '/v1/plans', v2), 201);
      const current = await json(await call('department', 'GET', `/v1/plans/${YEAR}`), 200);
      expect(current).toMatchObject({ version: 2, supersedes: 1, current: true });
      expect(current.document.description).toBe(v2.description);
      const first = await json(await call('department', 'GET', `/v1/plans/${YEAR}?version=1`), 200);
      expect(first).toMatchObject({ version: 1, current: false });
      expect(first.document.description).toBe(plan.description);
      const list = await json(await call('townA', 'GET', '/v1/plans'), 200);
      expect(list.items.map((p: any) => [p.version, p.current])).toEqual([[2, true], [1, false]]);
      expect(list.items[0].lines.map((l: any) => [l.line, l.units])).toEqual(plan.lines.map((l) => [l.line, l.units.length]));
      await json(await call('county', 'GET', '/v1/plans/2099'), 404);
      await json(await call('county', 'GET', '/v1/plans/1999'), 400);
      await json(await call('county', 'GET', '/v1/plans/abcd'), 400);
    });

    it('never edits a published plan: no PUT, PATCH or DELETE, and the database refuses it', async () => {
      for (const [method, path, allow] of [['PUT', `/v1/plans/${YEAR}`, 'GET'], ['PATCH', `/v1/plans/${YEAR}`, 'GET'], ['DELETE', `/v1/plans/${YEAR}`, 'GET'], ['PUT', '/v1/plans', 'GET, POST']]) {
        const res = await call('admin', method, path, method === 'DELETE' ? undefined : plan);
        expect([method, path, res.status, res.headers.get('allow')]).toEqual([method, path, 405, allow]);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        await res.text();
      }
      const repository = hub.api.get(AssessmentRepository);
      await expect(repository.editPublished(plan.id, 1, { ...plan, description: 'edited' })).rejects.toMatchObject({ code: '42501' });
      await expect(hub.sql(`DELETE FROM assessment_plan WHERE id = $1`, [plan.id])).rejects.toMatchObject({ code: '42501' });
      const [stored] = await hub.sql(`SELECT document->>'description' AS description FROM assessment_plan WHERE id = $1 AND version = 1`, [plan.id]);
      expect(stored.description).toBe(plan.description);
    });
  });

  describe('computed indicators', () => {
    beforeAll(async () => {
      const summary = await json(await call('county', 'POST', '/v1/indicators/compute', { year: YEAR, asOf: AS_OF }), 200);
      expect(summary).toMatchObject({ planId: plan.id, year: YEAR, values: expect.any(Number) });
      values = await hub.api.get(IndicatorRepository).values(plan.id, YEAR);
      expect(values).toHaveLength(summary.values);
    });

    it('is computed by admin and county users only, for a year with a plan', async () => {
      await json(await call('townA', 'POST', '/v1/indicators/compute', { year: YEAR }), 403);
      await json(await call('inspector', 'POST', '/v1/indicators/compute', { year: YEAR }), 403);
      const bad = await json(await call('county', 'POST', '/v1/indicators/compute', { year: 'this year', asOf: '31/12' }), 400);
      expect(bad.errors.map((e: any) => e.field).sort()).toEqual(['asOf', 'year']);
      await json(await call('county', 'POST', '/v1/indicators/compute', { year: 2031 }), 404);
    });

    it('counts births per township from the notices and the card children health never notified', () => {
      for (const [township, births] of Object.entries(EXPECTED.births)) {
        expect([township, valueOf('births-vs-control', township).value]).toEqual([township, births]);
      }
      expect(valueOf('births-vs-control', '511325001').value).toBe(0);
      const c = valueOf('births-vs-control', C);
      expect(c.evidence.filter((e) => e.startsWith('discrepancy:'))).toHaveLength(1);
      expect(c.evidence).toContain(`message:${messageIds['BN-C-1']}`);
      // Natural growth: births less the deaths the police registered.
      expect([A, B, C].map((t) => valueOf('natural-growth-rate', t).numerator)).toEqual([3, 1, 2]);
    });

    it('computes the sex ratio at birth from the notified boys and girls', () => {
      for (const [township, ratio] of Object.entries(EXPECTED.sexRatio)) expect(valueOf('sex-ratio-at-birth', township)).toMatchObject(ratio);
      expect(valueOf('sex-ratio-at-birth', C)).toMatchObject({ value: null, numerator: 1, denominator: 0, note: 'no girls notified' });
    });

    it('finds the birth outside the policy on the card', () => {
      expect(valueOf('policy-compliant-rate', C)).toMatchObject({ value: 0, numerator: 0, denominator: 1 });
      expect(valueOf('births-outside-policy', C)).toMatchObject({ value: 1 });
      expect(valueOf('births-outside-policy', A)).toMatchObject({ value: 0 });
    });

    it('counts timeliness per department and station by event date against receipt', () => {
      for (const [unitId, expected] of Object.entries(EXPECTED.timeliness)) {
        expect([unitId, valueOf('notification-timeliness', unitId)]).toEqual([unitId, expect.objectContaining(expected)]);
      }
      const late = ['HK-A-2', 'HK-C-1'].map((r) => `message:${messageIds[r]}`);
      expect(valueOf('notification-timeliness', 'public-security').evidence).toEqual(expect.arrayContaining(late));
      // A station without records has nothing wrong.
      expect(valueOf('notification-timeliness', 'public-security.ps-203')).toMatchObject({ value: 100, denominator: 0 });
    });

    it('counts refused records against data validity', () => {
      for (const [unitId, expected] of Object.entries(EXPECTED.validity)) {
        expect([unitId, valueOf('data-validity', unitId)]).toEqual([unitId, expect.objectContaining(expected)]);
      }
    });
  });

  describe('the scoreboard', () => {
    let board: any;
    beforeAll(async () => {
      board = await json(await call('townA', 'GET', `/v1/scoreboard?year=${YEAR}`), 200);
    });

    it('ranks every unit of every line, for every role', async () => {
      expect(board).toMatchObject({ year: YEAR, planId: plan.id, planVersion: 2, published: false, publishedAt: null });
      expect(board.lines.map((l: any) => [l.line, l.units.length])).toEqual(plan.lines.map((l) => [l.line, l.units.length]));
      const townships = board.lines[0].units.filter((u: any) => u.group === 'townships');
      expect(townships).toHaveLength(23);
      expect(townships.map((u: any) => u.rank)).toEqual(townships.map((_: unknown, i: number) => i + 1));
      for (const u of townships) {
        expect(Object.keys(u).sort()).toEqual(
          ['unitId', 'name', 'kind', 'group', 'rank', 'score', 'quality', 'level', 'yearEnd', 'regular', 'bonus', 'penalty', 'tier', 'outcome', 'vetoes', 'reasons'].sort(),
        );
      }
      const one = await json(await call('department', 'GET', `/v1/scoreboard?year=${YEAR}&line=department`), 200);
      expect(one.lines.map((l: any) => l.line)).toEqual(['department']);
      expect(one.lines[0].groups.map((g: any) => g.id)).toEqual(['departments', 'stations']);
      const bad = await json(await call('county', 'GET', `/v1/scoreboard?year=${YEAR}&line=party`), 400);
      expect(bad.errors).toEqual([{ field: 'line', message: 'must be one of: party-government, business, department' }]);
      expect((await json(await call('county', 'GET', '/v1/scoreboard'), 400)).errors[0].field).toBe('year');
    });

    it('vetoes the township whose one birth is outside the policy (compliance 0%): last, with a yellow card and the reason', () => {
      const townships = board.lines[0].units.filter((u: any) => u.group === 'townships');
      const c = townships.find((u: any) => u.unitId === C);
      expect(c.rank).toBe(townships.length);
      // One birth outside the policy is too few for that veto (more than 2, and above 20‰), but it is all of C's births on its cards.
      expect(c.vetoes).toEqual([expect.objectContaining({ vetoId: 'policy-compliance', value: 0 })]);
      expect(c.outcome).toMatchObject({ kind: 'yellow-card', name: { zh: '黄牌警告' } });
      expect(c.tier).toBeNull();
      expect(c.reasons[0]).toMatchObject({ kind: 'veto', key: 'veto/policy-compliance', lostPoints: null });
      // Then the largest losses, each with the facts and where to find its records.
      const losses = c.reasons.slice(1);
      expect(losses.length).toBeGreaterThan(0);
      expect(losses.map((r: any) => r.lostPoints)).toEqual([...losses.map((r: any) => r.lostPoints)].sort((x: number, y: number) => y - x));
      const indicator = losses.find((r: any) => r.kind === 'indicator');
      expect(indicator.records).toMatch(new RegExp(`^/v1/scoreboard/units/${C}/indicators/[a-z-]+/records\\?year=${YEAR}$`));
    });

    it("shows a unit's breakdown down to each indicator's numerator, denominator and target", async () => {
      const body = await json(await call('townA', 'GET', `/v1/scoreboard/units/${B}?year=${YEAR}`), 200);
      const unit = body.unit;
      expect(unit).toMatchObject({ unitId: B, line: 'party-government', score: board.lines[0].units.find((u: any) => u.unitId === B).score });
      expect(unit.breakdown.key).toBe('total');
      const births = unit.breakdown.children[0].children[0].children.find((n: any) => n.key === 'year-end/quality/births-vs-control');
      expect(births.facts).toMatchObject({
        value: 2, numerator: 2, target: plan.lines[0].indicators[0].target!.byUnit![B], evidenceCount: 2,
        records: `/v1/scoreboard/units/${B}/indicators/births-vs-control/records?year=${YEAR}`,
      });
      expect(births.facts.evidenceIds).toBeUndefined();
      await json(await call('county', 'GET', `/v1/scoreboard/units/nowhere?year=${YEAR}`), 404);
    });
  });

  describe('villages', () => {
    it("ranks a township's villages among themselves on both lines, each on its own records", async () => {
      const villages = await json(await call('villageA', 'GET', `/v1/scoreboard?year=${YEAR}&township=${A}`), 200);
      expect(villages.lines.map((l: any) => [l.line, l.groups.map((g: any) => [g.id, g.parent])])).toEqual([
        ['party-government', [[`villages-${A}`, { unitId: A, townshipCode: A }]]],
        ['business', [[`village-fp-${A}`, { unitId: `${A}.fpo`, townshipCode: A }]]],
        ['department', []],
      ]);
      const committees = villages.lines[0].units;
      expect(committees.map((u: any) => u.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(committees.every((u: any) => u.kind === 'village' && u.group === `villages-${A}`)).toBe(true);
      // All of A's births are in one village: its count is the township's, the other villages have none.
      expect(valueOf('births-vs-control', VILLAGE[A]).value).toBe(EXPECTED.births[A]);
      expect(valueOf('births-vs-control', '511325101003').value).toBe(0);
      expect(valueOf('discrepancy-resolution', `${VILLAGE[A]}.vfp`).denominator).toBe(valueOf('discrepancy-resolution', `${A}.fpo`).denominator);
      expect((await json(await call('county', 'GET', `/v1/scoreboard?year=${YEAR}&township=${B}`), 200)).lines.flatMap((l: any) => l.units)).toEqual([]);
      expect((await json(await call('county', 'GET', `/v1/scoreboard?year=${YEAR}&township=5113251`), 400)).errors).toEqual([{ field: 'township', message: 'must be a 9-digit township code' }]);
    });

    it("lets a village user see their village's records only, and a township user their villages'", async () => {
      await json(await call('villageA', 'GET', `/v1/scoreboard/units/${VILLAGE[A]}/indicators/births-vs-control/records?year=${YEAR}`), 200);
      await json(await call('villageA', 'GET', `/v1/scoreboard/units/${VILLAGE[A]}.vfp/indicators/registry-completeness/records?year=${YEAR}`), 200);
      for (const unitId of [A, '511325101003', B]) {
        await json(await call('villageA', 'GET', `/v1/scoreboard/units/${unitId}/indicators/births-vs-control/records?year=${YEAR}`), 404);
      }
      const ownVillage = await json(await call('townA', 'GET', `/v1/scoreboard/units/${VILLAGE[A]}/indicators/births-vs-control/records?year=${YEAR}`), 200);
      expect(ownVillage.items.map((r: any) => r.recordId).sort()).toEqual(['BN-A-1', 'BN-A-2', 'BN-A-3']);
      await json(await call('townA', 'GET', `/v1/scoreboard/units/511325110001/indicators/births-vs-control/records?year=${YEAR}`), 404);
    });
  });

  describe('drill-down to the records', () => {
    it('returns exactly the records behind a number, paged, ids masked', async () => {
      const all = await json(await call('county', 'GET', `/v1/scoreboard/units/${A}/indicators/births-vs-control/records?year=${YEAR}`), 200);
      expect(all).toMatchObject({ unitId: A, indicatorId: 'births-vs-control', total: 3, nextCursor: null });
      expect(all.items.map((r: any) => r.recordId).sort()).toEqual(['BN-A-1', 'BN-A-2', 'BN-A-3']);
      expect(all.items.map((r: any) => r.evidenceId).sort()).toEqual(['BN-A-1', 'BN-A-2', 'BN-A-3'].map((r) => `message:${messageIds[r]}`).sort());
      const late = all.items.find((r: any) => r.recordId === 'BN-A-2');
      expect(late).toMatchObject({
        type: 'message', found: true, kind: 'birth-notice', eventDate: LATE, daysToReceipt: 40,
        client: { id: clients.health.clientId, agency: 'health' },
        summary: { child: { sex: 'M', birthDate: LATE }, facility: STATIONS.taipingHc, mother: { name: '林晓红', citizenId: expect.stringMatching(MASKED) } },
      });
      expect(JSON.stringify(all)).not.toContain((RECORDS.notices[1].mother as any).citizenId);

      const first = await json(await call('county', 'GET', `/v1/scoreboard/units/${A}/indicators/births-vs-control/records?year=${YEAR}&limit=2`), 200);
      expect(first.items).toHaveLength(2);
      const second = await json(await call('county', 'GET', `/v1/scoreboard/units/${A}/indicators/births-vs-control/records?year=${YEAR}&limit=2&cursor=${first.nextCursor}`), 200);
      expect(second).toMatchObject({ nextCursor: null });
      expect([...first.items, ...second.items].map((r: any) => r.evidenceId)).toEqual(all.items.map((r: any) => r.evidenceId));
      await json(await call('county', 'GET', `/v1/scoreboard/units/${A}/indicators/births-vs-control/records?year=${YEAR}&cursor=nonsense`), 400);
    });

    it('resolves discrepancies too: the unnotified birth behind a township\'s count', async () => {
      const body = await json(await call('county', 'GET', `/v1/scoreboard/units/${C}/indicators/births-vs-control/records?year=${YEAR}`), 200);
      expect(body.total).toBe(2);
      const discrepancy = body.items.find((r: any) => r.type === 'discrepancy');
      expect(discrepancy).toMatchObject({ found: true, kind: 'birth-not-notified', status: 'open', townshipCode: C, cardId: 'C-C-2', dueAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
      expect(discrepancy.subject.citizenId).toMatch(MASKED);
      expect(body.items.find((r: any) => r.type === 'message')).toMatchObject({ recordId: 'BN-C-1' });
    });

    it("lists a department's late records by event date and receipt", async () => {
      const body = await json(await call('county', 'GET', `/v1/scoreboard/units/public-security/indicators/notification-timeliness/records?year=${YEAR}&limit=500`), 200);
      expect(body.items.map((r: any) => r.recordId).sort()).toEqual(RECORDS.hukou.map((r) => r.recordId).sort());
      expect(body.items.filter((r: any) => r.daysToReceipt > 30).map((r: any) => r.recordId).sort()).toEqual(['HK-A-2', 'HK-C-1']);
      for (const r of body.items) expect(r.summary.person.citizenId).toMatch(MASKED);
    });

    it("lets a township user see their own township's records only", async () => {
      await json(await call('townA', 'GET', `/v1/scoreboard/units/${A}/indicators/births-vs-control/records?year=${YEAR}`), 200);
      await json(await call('townA', 'GET', `/v1/scoreboard/units/${A}.fpo/indicators/registry-completeness/records?year=${YEAR}`), 200);
      for (const [unitId, indicatorId] of [[B, 'births-vs-control'], ['public-security', 'notification-timeliness'], [`${B}.fpo`, 'registry-completeness']]) {
        await json(await call('townA', 'GET', `/v1/scoreboard/units/${unitId}/indicators/${indicatorId}/records?year=${YEAR}`), 404);
      }
      await json(await call('county', 'GET', `/v1/scoreboard/units/${A}/indicators/notification-timeliness/records?year=${YEAR}`), 404);
    });
  });

  describe('assessor input', () => {
    it('names the bad field in a 400', async () => {
      const cases: [unknown, string[]][] = [
        [{ type: 'grade', unitId: A, grade: 'E' }, ['grade', 'indicatorId']],
        [{ type: 'promotion', unitId: A }, ['type']],
        [{ type: 'item', unitId: A, itemId: 'late-report', evidenceIds: [], grade: 'A' }, ['evidenceIds', 'grade']],
        [{ type: 'grade', unitId: '511325999', indicatorId: 'publicity-education', grade: 'A' }, ['unitId']],
        [{ type: 'grade', unitId: A, indicatorId: 'births-vs-control', grade: 'A' }, ['indicatorId']],
        [{ type: 'value', unitId: A, indicatorId: 'births-vs-control', value: 10 }, ['indicatorId']],
        [{ type: 'item', unitId: A, itemId: 'free-lunch', evidenceIds: ['doc:1'] }, ['itemId']],
        [{ type: 'veto-event', unitId: A, vetoId: 'births-outside-policy', evidenceIds: ['doc:1'] }, ['vetoId']],
        [{ type: 'grade', unitId: A, indicatorId: 'publicity-education', grade: 'A', checkId: 'never-entered' }, ['checkId']],
        [{ type: 'check', checkId: 'q1', unitIds: [A, 'nowhere'] }, ['unitIds.1']],
      ];
      for (const [body, fields] of cases) {
        const problem = await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs`, body), 400);
        expect([body, problem.errors.map((e: any) => e.field).sort()]).toEqual([body, fields.sort()]);
        expect(problem.status).toBe(400);
      }
    });

    it('enters grades, items, values, checks and veto events for admin, county and inspector users, audited', async () => {
      await json(await call('townA', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'grade', unitId: A, indicatorId: 'publicity-education', grade: 'A' }), 403);
      await json(await call('department', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'grade', unitId: A, indicatorId: 'publicity-education', grade: 'A' }), 403);
      const before = (await json(await call('county', 'GET', `/v1/scoreboard?year=${YEAR}&line=party-government`), 200)).lines[0].units;

      const grade = await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'grade', unitId: A, indicatorId: 'publicity-education', grade: 'A', evidenceIds: ['检查记录 2026-07'] }), 201);
      expect(grade).toMatchObject({ type: 'grade', unitId: A, enteredBy: users.inspector.id });
      const twice = await json(await call('county', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'grade', unitId: A, indicatorId: 'publicity-education', grade: 'B' }), 409);
      expect(twice.errors).toEqual([expect.objectContaining({ field: 'indicatorId' })]);
      await json(await call('county', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'item', unitId: B, itemId: 'late-report', count: 2, evidenceIds: ['通报 2026-3'] }), 201);
      await json(await call('admin', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'value', unitId: A, indicatorId: 'birth-statistics-accuracy', value: 98, numerator: 49, denominator: 50, evidenceIds: ['抽查 2026-2'] }), 201);
      await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'check', checkId: 'q3-spot', date: ON_TIME, unitIds: [B], evidenceIds: ['签字记录 Q3'] }), 201);
      await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'check', checkId: 'q3-spot', unitIds: [A] }), 409);
      // A was not covered by the check.

      await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'grade', unitId: B, indicatorId: 'publicity-education', grade: 'C', checkId: 'q3-spot' }), 201);
      await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'grade', unitId: A, indicatorId: 'publicity-education', grade: 'C', checkId: 'q3-spot' }), 400);
      await json(await call('county', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'veto-event', unitId: `${B}.fpo`, vetoId: 'falsification', evidenceIds: ['处理决定 2026-9'], note: 'births held back from the report' }), 201);

      const listed = await json(await call('department', 'GET', `/v1/assessments/${YEAR}/inputs`), 200);
      expect(listed).toMatchObject({ year: YEAR, planId: plan.id, closed: false });
      expect(listed.items.map((i: any) => i.type)).toEqual(['grade', 'item', 'value', 'check', 'grade', 'veto-event']);
      const audited = await hub.sql(`SELECT username, action FROM audit_log WHERE action = 'assessment.input' ORDER BY id`);
      expect(audited.map((a) => a.username)).toEqual(['as-inspector', 'as-county', 'as-admin', 'as-inspector', 'as-inspector', 'as-county']);

      const after = await json(await call('county', 'GET', `/v1/scoreboard?year=${YEAR}`), 200);
      const b = after.lines[0].units.find((u: any) => u.unitId === B);
      expect(b.penalty).toBe(1);
      expect(b.regular).not.toBeNull();
      const a = after.lines[0].units.find((u: any) => u.unitId === A);
      expect(a.score).toBeGreaterThan(before.find((u: any) => u.unitId === A).score);
      const office = after.lines[1].units.find((u: any) => u.unitId === `${B}.fpo`);
      expect(office.vetoes).toEqual([expect.objectContaining({ vetoId: 'falsification', evidenceIds: ['处理决定 2026-9'], note: 'births held back from the report' })]);
      expect(office.outcome.kind).toBe('yellow-card');
    });
  });

  describe('exports', () => {
    it('writes a workbook that opens, whose scores are the API\'s', async () => {
      const res = await call('townA', 'GET', `/v1/scoreboard.xlsx?year=${YEAR}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="scoreboard-${plan.id}-v2.xlsx"`);
      const workbook = new Workbook();
      await workbook.xlsx.load(Buffer.from(await res.arrayBuffer()) as any);
      const board = await json(await call('county', 'GET', `/v1/scoreboard?year=${YEAR}`), 200);
      for (const line of board.lines) {
        expect(sheetRanking(workbook, line.name.zh)).toEqual(line.units.map((u: any) => [u.unitId, u.rank, u.score]));
      }
      // The breakdown sheet: a township's births with their numerator and target.
      const breakdown = workbook.getWorksheet('党政线 明细')!;
      let births: unknown[] | undefined;
      breakdown.eachRow((row) => {
        if (row.getCell(1).value === A && row.getCell(5).value === 'births-vs-control') births = (row.values as unknown[]).slice(1);
      });
      expect(births!.slice(7, 11)).toEqual([3, 3, null, plan.lines[0].indicators[0].target!.byUnit![A]].map((v) => v ?? undefined));
    });

    it('writes a line as CSV with a BOM', async () => {
      const res = await call('county', 'GET', `/v1/scoreboard.csv?year=${YEAR}&line=department`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="scoreboard-${plan.id}-v2-department.csv"`);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const lines = bytes.subarray(3).toString('utf8').split('\r\n').filter((l) => l);
      expect(lines[0].startsWith('名次 rank,单位代码 unit id,单位 unit')).toBe(true);
      const board = await json(await call('county', 'GET', `/v1/scoreboard?year=${YEAR}&line=department`), 200);
      expect(lines.slice(1).map((l) => [l.split(',')[1], Number(l.split(',')[4])])).toEqual(board.lines[0].units.map((u: any) => [u.unitId, u.score]));
      await json(await call('county', 'GET', `/v1/scoreboard.csv?year=${YEAR}`), 400);
    });
  });

  describe('closing the year', () => {
    it('publishes the results once, freezing them and closing input', async () => {
      const before = await json(await call('county', 'GET', `/v1/scoreboard?year=${YEAR}`), 200);
      await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/publication`), 403);
      const published = await json(await call('county', 'POST', `/v1/assessments/${YEAR}/publication`, { comment: '县考核领导小组审定' }), 201);
      expect(published).toMatchObject({ year: YEAR, planId: plan.id, planVersion: 2, published: true, units: before.lines.reduce((n: number, l: any) => n + l.units.length, 0) });
      await json(await call('admin', 'POST', `/v1/assessments/${YEAR}/publication`), 409);
      expect(await json(await call('townA', 'GET', `/v1/assessments/${YEAR}/publication`), 200)).toMatchObject({ published: true, planVersion: 2 });

      const closed = await json(await call('inspector', 'POST', `/v1/assessments/${YEAR}/inputs`, { type: 'grade', unitId: C, indicatorId: 'publicity-education', grade: 'A' }), 409);
      expect(closed.detail).toContain('closed');
      await json(await call('county', 'POST', '/v1/indicators/compute', { year: YEAR }), 409);
      expect((await json(await call('county', 'GET', `/v1/assessments/${YEAR}/inputs`), 200)).closed).toBe(true);

      // Later changes to the facts do not move published results.
      await hub.sql(`UPDATE indicator_value SET value = 0 WHERE plan_id = $1 AND indicator_id = 'births-vs-control'`, [plan.id]);
      const after = await json(await call('county', 'GET', `/v1/scoreboard?year=${YEAR}`), 200);
      expect(after.published).toBe(true);
      expect(after.lines).toEqual(before.lines);
      const audit = await hub.sql(`SELECT action, target FROM audit_log WHERE action IN ('assessment.publish', 'plan.publish', 'indicators.compute') ORDER BY id`);
      expect(audit.map((a) => a.action)).toEqual(['plan.publish', 'plan.publish', 'indicators.compute', 'assessment.publish']);
    });
  });

  it('documents the assessment endpoints in the OpenAPI document', async () => {
    const { paths } = await json(await fetch(`${hub.url}/docs/openapi.json`), 200);
    for (const path of [
      '/v1/plans', '/v1/plans/{year}', '/v1/indicators/compute', '/v1/scoreboard', '/v1/scoreboard.xlsx', '/v1/scoreboard.csv', '/v1/scoreboard/units/{unitId}',
      '/v1/scoreboard/units/{unitId}/indicators/{indicatorId}/records', '/v1/assessments/{year}/inputs', '/v1/assessments/{year}/publication',
    ]) {
      expect(Object.keys(paths)).toContain(path);
    }
  });
});
